"""助记码 of a product: the pinyin initials of its name, typed to find it fast.

The reading rules live in ``guanxi.core.pinyin`` (phrase-aware polyphones, so 重庆 → CQ,
银行 → YH, 长城 → CC; Latin letters and digits kept whole; full-width folded). Product
names are not people, so no surname reading applies.
"""

from guanxi.core.pinyin import MAX_LENGTH, mnemonic

__all__ = ["MAX_LENGTH", "mnemonic_of"]


def mnemonic_of(name: str | None, *, max_length: int = MAX_LENGTH) -> str:
    """``"惠普 LaserJet 打印机"`` → ``"HPLASERJETDYJ"``."""
    return mnemonic(name, max_length=max_length)
