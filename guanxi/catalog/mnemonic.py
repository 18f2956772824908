"""助记码: the pinyin initials of a name, typed to find a record fast.

``lazy_pinyin`` reads whole phrases from pypinyin's phrase dictionary, so
polyphonic characters take the reading of the word they are in (重庆 → CQ,
银行 → YH, 长城 → CC). Latin letters and digits are kept as typed.
"""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 60
_KEEP = re.compile(r"[^A-Z0-9]")


def mnemonic_of(name, *, max_length=MAX_LENGTH):
    """``"惠普 LaserJet 打印机"`` → ``"HPLASERJETDYJ"``."""
    if not name:
        return ""
    # full-width Ｌａｔｉｎ and digits count as the plain ones
    parts = lazy_pinyin(
        unicodedata.normalize("NFKC", name), style=Style.FIRST_LETTER, errors="default"
    )
    return _KEEP.sub("", "".join(parts).upper())[:max_length]
