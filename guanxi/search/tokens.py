"""How text becomes index tokens, and a query becomes a token expression.

Every indexed record is turned into a space-separated list of tokens that the
database's own full-text index stores as they are (SQLite FTS5, PostgreSQL
``tsvector``): no database-side word splitting is relied on, so both behave
the same and a two-character Chinese fragment is found as reliably as a code.

* Chinese runs give every overlapping **bigram**: ``北京华为`` → 北京 京华 华为.
  A query of two Chinese characters is one token; a longer one is the AND of
  its bigrams (taken every other character, plus the last).
* Latin letters and digits (names, pinyin initials, codes, e-mail parts) give
  every **bigram and trigram**; a 2-character query is one bigram, a longer one
  the AND of trigrams covering it.
* Full pinyin gives trigrams only (a 2-letter query meets the initials).
* Phone numbers, and every run of 4+ digits elsewhere (codes), give every
  4-digit window: a query of 4+ digits is the AND of windows covering it, which
  stays selective where 3-digit grams of dated codes are not.

The token expression finds candidates; the final check is that every piece of
the query really occurs in the record's text (``matches``).

Meta tokens (org, kind, owner, department, exact keys, how the title starts)
begin with ``_``, which text tokens never contain, so text can never pose as
a scope token.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from guanxi.core import pinyin

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_RUNS = re.compile(f"[{_HAN}]+|[a-z0-9]+")
_HAN_RUN = re.compile(f"[{_HAN}]+")
_PHONE_LIKE = re.compile(r"^[\d\s\-+()（）]+$")
_NOT_DIGIT = re.compile(r"\D+")
_DIGIT_RUNS = re.compile(r"\d{4,}")
PHONE_WINDOW = 4
MIN_QUERY = 2


def normalize(text: str | None) -> str:
    """NFKC, lower case, accents off: the form both text and queries are compared in."""
    if not text:
        return ""
    if text.isascii():  # unchanged by NFKC and NFKD, nothing combining
        return text.lower()
    if len(text) <= _SHORT:
        return _fold_short(text)
    return _fold(text)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


# a record's name is folded several times while it is indexed (runs, title start, pinyin)
_SHORT = 80
_fold_short = lru_cache(maxsize=4096)(_fold)


def runs(text: str | None) -> list[str]:
    """Chinese runs and Latin/digit runs of ``text``; everything else separates them."""
    return _RUNS.findall(normalize(text))


def digits(text: str | None) -> str:
    return _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", text or ""))


def _grams(run: str, size: int) -> list[str]:
    return [run[i : i + size] for i in range(len(run) - size + 1)]


def _is_han(run: str) -> bool:
    return bool(_HAN_RUN.fullmatch(run))


def meta(prefix: str, value: object) -> str:
    """A meta token: ``_`` + a letter + a short digest (safe in every index syntax)."""
    digest = hashlib.blake2b(str(value).encode(), digest_size=8).hexdigest()
    return f"_{prefix}{digest}"


def space(org_id: object, kind: str) -> str:
    """What text tokens of one org's records of one kind start with: ``ab12cd34`` + org
    id + ``x``. Each org and kind has its own posting lists, so a search walks only
    what it could find and needs no "org" or "kind" token to intersect with."""
    digest = hashlib.blake2b(kind.encode(), digest_size=4).hexdigest()
    return f"{digest}{org_id}x"


def exact_key(org_id: object, kind: str, value: str | None) -> str:
    """The token of an exact code, e-mail or phone (digits) of one org's kind."""
    return meta("e", f"{org_id}:{kind}:{value}")


def start_key(org_id: object, kind: str, head: str | None) -> str | None:
    """The token for "the title starts with these two characters"."""
    return meta("s", f"{org_id}:{kind}:{head}") if head else None


def _head(title: str | None) -> str | None:
    squeezed = "".join(runs(title))
    return squeezed[:MIN_QUERY] if len(squeezed) >= MIN_QUERY else None


def _exact_value(value: str | None) -> str:
    return normalize(value).strip()


@dataclass
class Document:
    """What one record puts into the index.

    ``names`` are matched by fragment and by pinyin (initials and full pinyin,
    ``person`` reads a leading surname as one); ``codes`` and ``emails`` by
    fragment and exactly; ``phones`` by 4+ digits and exactly; ``texts`` by
    fragment only. ``module`` is the permission module (``<module>.view`` and
    its data scope) and ``owner_id``/``department_id`` place the record in it.
    """

    kind: str
    object_id: int
    title: str
    module: str
    subtitle: str = ""
    url_name: str = ""
    url_arg: int | None = None
    owner_id: int | None = None
    department_id: int | None = None
    names: list[str] = field(default_factory=list)
    person: bool = False
    codes: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    # the pinyin search keys of ``names`` ("initials full"), when the record already holds
    # them: saves reading each name again (a bulk import indexes many names once)
    name_keys: list[str] = field(default_factory=list)


def _text_tokens(run: str, into: set[str]) -> None:
    if len(run) < MIN_QUERY:
        return
    if _is_han(run):
        into.update(_grams(run, 2))
    else:
        into.update(_grams(run, 2))
        into.update(_grams(run, 3))
        for number in _DIGIT_RUNS.findall(run):  # a query of 4+ digits looks for these
            into.update(_grams(number, PHONE_WINDOW))


@lru_cache(maxsize=20000)
def _name(name: str, person: bool, known_keys: str = "") -> tuple[frozenset[str], str]:
    """Tokens and haystack of one name with its pinyin (names repeat a lot: cached).
    ``known_keys`` are the name's pinyin search keys when the caller has them."""
    tokens: set[str] = set()
    for run in runs(name):
        _text_tokens(run, tokens)
    keys = (known_keys or pinyin.search_keys(name, person=person)).split(" ")
    initials, full = keys[0], keys[-1]
    for run in runs(initials):
        _text_tokens(run, tokens)
    if full != initials:
        tokens.update(_grams(full, 3))
    return frozenset(tokens), " ".join([" ".join(runs(name)), initials, full])


def _document_parts(doc: Document) -> tuple[str, set[str]]:
    """The haystack the final check reads and the set of text tokens."""
    tokens: set[str] = set()
    hay: list[str] = []
    known = doc.name_keys if len(doc.name_keys) == len(doc.names) else [""] * len(doc.names)
    for name, keys in zip(doc.names, known, strict=True):
        name_tokens, name_hay = _name(name, doc.person, keys)
        tokens |= name_tokens
        hay.append(name_hay)
    for value in [*doc.codes, *doc.emails, *doc.texts]:
        value_runs = runs(value)
        for run in value_runs:
            _text_tokens(run, tokens)
        hay.append(" ".join(value_runs))
    for phone in doc.phones:
        number = digits(phone)
        tokens.update(_grams(number, PHONE_WINDOW))
        hay.append(number)
    return " ".join(h for h in hay if h), tokens


def document_text(doc: Document) -> tuple[str, str]:
    """``(text, tokens)`` of a document: the haystack the final check reads, and the
    space-separated text tokens."""
    text, tokens = _document_parts(doc)
    return text, " ".join(sorted(tokens))


# owners, departments and spaces repeat from record to record
@lru_cache(maxsize=4096)
def _meta_cached(prefix: str, value: object) -> str:
    return meta(prefix, value)


@lru_cache(maxsize=256)
def _space_cached(org_id: object, kind: str) -> str:
    return space(org_id, kind)


def document_tokens(doc: Document, org_id: int) -> tuple[str, str]:
    """``(text, tokens)``: the text tokens in the org's and kind's space, then the meta
    tokens: owner, department, exact keys and the title's start."""
    text, tokens = _document_parts(doc)
    prefix = _space_cached(org_id, doc.kind)
    extra = []
    if doc.owner_id is not None:
        extra.append(_meta_cached("o", doc.owner_id))
    if doc.department_id is not None:
        extra.append(_meta_cached("d", doc.department_id))
    values = {_exact_value(v) for v in [*doc.codes, *doc.emails] if v}
    values |= {digits(p) for p in doc.phones if digits(p)}
    extra += sorted(exact_key(org_id, doc.kind, v) for v in values if v)
    start = start_key(org_id, doc.kind, _head(doc.title))
    if start:
        extra.append(start)
    return text, " ".join([*extra, *sorted(prefix + token for token in tokens)])


# ---- queries -----------------------------------------------------------------------------


@dataclass
class Query:
    """A parsed query: ``groups`` is an OR of alternatives, each an AND of text tokens
    (without their space); ``pieces`` must all occur in a hit's text; ``exact`` and
    ``head`` make the exact-key and title-start tokens."""

    raw: str
    pieces: list[str]
    groups: list[list[str]]
    exact: str
    head: str | None

    @property
    def empty(self) -> bool:
        return not self.groups


def _covering(run: str, size: int) -> list[str]:
    """Grams of ``size`` that together cover ``run``: every other one, plus the last."""
    grams = _grams(run, size)
    picked = grams[:: size - 1] if size > 2 else grams[::2]
    if grams and grams[-1] not in picked:
        picked.append(grams[-1])
    return picked


def _piece_tokens(piece: str) -> list[str]:
    if len(piece) < MIN_QUERY:
        return []
    if _is_han(piece) or len(piece) == MIN_QUERY:
        return _covering(piece, 2)
    if piece.isdigit() and len(piece) >= PHONE_WINDOW:
        return _covering(piece, PHONE_WINDOW)
    return _covering(piece, 3)


def parse(value: str | None) -> Query:
    """The pieces of a query and the tokens to look for.

    Only the longest pieces give tokens, until there are two: an AND with the very
    common tokens of short pieces (``kh`` and ``2026`` of ``KH-2026-00042``) would
    cost more than it saves; the final check still reads every piece."""
    raw = (value or "").strip()
    phone_like = _PHONE_LIKE.match(raw) and len(digits(raw)) >= PHONE_WINDOW
    pieces = [digits(raw)] if phone_like else [r for r in runs(raw) if r]
    tokens: list[str] = []
    for piece in sorted(pieces, key=len, reverse=True):
        if len(tokens) >= 2:
            break
        tokens += [t for t in _piece_tokens(piece) if t not in tokens]
    exact = pieces[0] if phone_like else _exact_value(raw)
    return Query(
        raw=raw,
        pieces=pieces,
        groups=[tokens] if tokens else [],
        exact=exact,
        head=_head(raw),
    )


def matches(query: Query, text: str) -> bool:
    """Does every piece of the query occur in the record's text?"""
    return all(piece in text for piece in query.pieces)
