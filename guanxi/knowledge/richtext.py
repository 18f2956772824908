"""Article bodies: Markdown in, safe HTML out.

Authors write Markdown (the editor's toolbar inserts its marks). The renderer runs with
raw HTML turned off, so any tag typed into the source — ``<script>``, ``<img
onerror=…>``, ``<iframe>`` — comes out as visible text, never as markup, and links with
a ``javascript:``/``data:`` scheme are not made into links. Script and style blocks are
dropped from the source when it is saved, so they do not even show as text. The HTML
is rendered once, when the article is saved, and stored beside the source.
"""

import html
import re

from django.utils.html import strip_tags
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_RENDERER.enable(["table", "strikethrough"])
_DROPPED = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def clean_source(source: str | None) -> str:
    """The source as stored: line ends unified, script/style blocks removed."""
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    return _DROPPED.sub("", text).strip()


def render(source: str | None) -> str:
    """Safe HTML of a Markdown source (no raw HTML passes through)."""
    return _RENDERER.render(clean_source(source))


def plain_text(source: str | None) -> str:
    """The words of a body, without marks or tags, on one line (search and snippets)."""
    return _SPACES.sub(" ", html.unescape(strip_tags(render(source)))).strip()
