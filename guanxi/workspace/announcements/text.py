"""The announcement body: plain text with a few markdown-like marks, rendered safely.

Everything the author typed is HTML-escaped first, so injected HTML shows as text; then
blank lines make paragraphs, lines starting with ``- `` make a bullet list, ``**words**``
is bold, and http(s) addresses become links (``rel="nofollow noopener"``).
"""

import re

from django.utils.html import urlize
from django.utils.safestring import mark_safe

BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def _inline(line):
    # urlize escapes the text it is given (autoescape) and links the addresses
    html = urlize(line, nofollow=True, autoescape=True)
    html = html.replace('rel="nofollow"', 'rel="nofollow noopener" target="_blank"')
    return BOLD.sub(r"<strong>\1</strong>", html)


def render(body):
    """The body as safe HTML."""
    blocks = re.split(r"\n\s*\n", (body or "").replace("\r\n", "\n").strip())
    html = []
    for block in blocks:
        if not block.strip():
            continue
        lines = block.split("\n")
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 — every piece above is escaped


def excerpt(body, length=120):
    """The body as one line of plain text (marks removed), cut to ``length``."""
    plain = BOLD.sub(r"\1", " ".join((body or "").split()))
    return plain if len(plain) <= length else plain[: length - 1] + "…"
