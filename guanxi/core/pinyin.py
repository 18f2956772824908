"""Pinyin search aids for Chinese names: 助记码 (initials), full pinyin, search keys.

``mnemonic("重庆银行")`` → ``"CQYH"``, ``full_pinyin("北京华为")`` → ``"beijinghuawei"``,
``search_keys("单田芳", person=True)`` → ``"stf shantianfang"``.

Chinese characters are read with pypinyin's phrase dictionary, so a polyphonic character
takes the reading of the word it stands in (银行 yinhang, 行走 xingzou, 长城 changcheng,
长大 zhangda). pypinyin has no notion of surnames, so ``person=True`` reads the leading
surname from the small table below (单田芳 is Shan Tianfang, not Dan Tianfang).

Latin letters and digits are kept whole; full-width forms (ＡＢＣ１２) count as the plain
ones and accents are dropped (Café → cafe). Everything else — punctuation, spaces, emoji,
other scripts, characters pypinyin has no reading for — is left out. No input makes these
functions raise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin

MAX_LENGTH = 60

# Surnames read differently from the same character in ordinary words. Compound
# surnames are matched before single ones.
COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
}
SURNAMES: dict[str, str] = {
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "曾": "zeng",
    "区": "ou",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "任": "ren",
    "沈": "shen",
    "祭": "zhai",
    "覃": "qin",
    "秘": "bi",
    "繁": "po",
    "折": "she",
    "员": "yun",
    "句": "gou",
    "召": "shao",
    "种": "chong",
    "宁": "ning",
    "华": "hua",
    "葛": "ge",
    "曲": "qu",
    "薄": "bo",
}

# Han characters: 〇, CJK extension A, the unified block, compatibility ideographs
# (mostly folded by NFKC already) and the supplementary ideographic planes.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_RUNS = re.compile(f"([{_HAN}]+)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")

# A syllable of the Chinese part, or a piece of Latin letters/digits kept whole.
_Token = tuple[bool, str]


def _ascii_lower(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``; accents go, the rest is dropped."""
    folded = unicodedata.normalize("NFKD", text)
    return _NOT_ALNUM.sub("", folded.lower())


# pypinyin reads a run by cutting it into dictionary words and reading each word on its
# own; cutting is cheap, reading is not, and names share their words (有限公司, 科技,
# city names), so the readings are kept per word. The result is the same as reading the run.
_SEGMENTER = Pinyin()


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    readings = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    return tuple(s for s in (_ascii_lower(r) for r in readings) if s)


def _syllables(han: str) -> list[str]:
    """Toneless syllables of a run of Han characters; unknown characters are dropped."""
    syllables: list[str] = []
    for word in _SEGMENTER.seg(han):
        syllables.extend(_word_syllables(word))
    return syllables


def _surname(han: str) -> tuple[list[str], str]:
    """Split a leading surname off a Han run: its syllables and the rest of the run."""
    compound = COMPOUND_SURNAMES.get(han[:2])
    if compound is not None:
        return list(compound), han[2:]
    single = SURNAMES.get(han[:1])
    if single is not None:
        return [single], han[1:]
    return [], han


def _tokens(text: str | None, person: bool) -> list[_Token]:
    """``(is_syllable, piece)`` pairs: Chinese syllables and whole Latin/digit pieces."""
    if not text:
        return []
    normal = unicodedata.normalize("NFKC", text)
    tokens: list[_Token] = []
    for index, run in enumerate(_RUNS.split(normal)):
        if not run:
            continue
        if index % 2 == 0:  # between Han runs: Latin, digits, punctuation, other scripts
            kept = _ascii_lower(run)
            if kept:
                tokens.append((False, kept))
            continue
        if person and index == 1 and not tokens:  # nothing typed before the name
            leading, run = _surname(run)
            tokens.extend((True, s) for s in leading)
        tokens.extend((True, s) for s in _syllables(run))
    return tokens


def _initials(tokens: list[_Token]) -> str:
    return "".join(piece[0] if is_syllable else piece for is_syllable, piece in tokens)


def mnemonic(text: str | None, *, person: bool = False, max_length: int = MAX_LENGTH) -> str:
    """Upper-case pinyin initials, Latin letters and digits kept whole.

    ``"ABC科技2025"`` → ``"ABCKJ2025"``; ``person=True`` reads a leading surname as one
    (``"单田芳"`` → ``"STF"``). Cut to ``max_length`` characters.
    """
    return _initials(_tokens(text, person)).upper()[:max_length]


def full_pinyin(text: str | None, *, person: bool = False) -> str:
    """Lower-case toneless pinyin, syllables run together: ``"北京华为"`` → ``"beijinghuawei"``."""
    return "".join(piece for _, piece in _tokens(text, person))


def search_keys(text: str | None, *, person: bool = False) -> str:
    """Initials and full pinyin, space separated, for an ``icontains`` lookup.

    ``search_keys("单田芳", person=True)`` → ``"stf shantianfang"``. When both are the same
    (text without Chinese) it appears once. The initials are not cut to ``MAX_LENGTH`` here.
    """
    tokens = _tokens(text, person)
    initials = _initials(tokens)
    full = "".join(piece for _, piece in tokens)
    if initials == full:
        return full
    return f"{initials} {full}"
