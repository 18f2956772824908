"""China's administrative divisions (省 → 市 → 区/县), for the region pickers.

The list (``data/regions.tsv``: six-digit division code, name) is the national
division code table (GB/T 2260), including Hong Kong, Macao and Taiwan. The code
says where a division sits: ``44`` Guangdong, ``4403`` Shenzhen, ``440305``
Nanshan.

Two irregular cases are shaped the way people pick them:

* the four municipalities (北京, 天津, 上海, 重庆) list their districts and
  counties directly under the municipality — ``北京市 东城区``, not
  ``北京市 北京市 东城区``;
* county-level cities administered by the province (仙桃市, 济源市, 石河子市…,
  city part ``90``) stand at the city level of their province.

A region is stored as text, the chosen names separated by a space:
``广东省 深圳市 南山区``. ``parse`` reads such a text back (also with ``/`` or
no separator, and with the short forms 广东, 深圳); text it cannot place (an
address abroad, a free note) stays as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.tsv"
MUNICIPALITIES = ("11", "12", "31", "50")
SEPARATOR = " "
_SPLIT = re.compile(r"[\s/／,，、]+")
# endings dropped for the short forms people write (广东 for 广东省, 深圳 for 深圳市)
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
             "地区", "省", "市", "区", "县", "盟")  # fmt: skip


@dataclass
class Division:
    code: str
    name: str
    children: list[Division] = field(default_factory=list)


@dataclass
class Tree:
    provinces: list[Division]
    by_code: dict[str, Division]


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def tree() -> Tree:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        code, _tab, name = line.partition("\t")
        if code and name:
            rows.append((code, name))
    by_code = {code: Division(code, name) for code, name in rows}
    provinces = []
    for code, _name in sorted(rows):
        division = by_code[code]
        if code.endswith("0000"):
            provinces.append(division)
            continue
        province = by_code.get(code[:2] + "0000")
        if province is None:
            continue
        if code[:2] in MUNICIPALITIES:
            if not code.endswith("00"):  # the 市辖区/县 levels themselves are left out
                province.children.append(division)
            continue
        if code.endswith("00"):
            province.children.append(division)
            continue
        city = by_code.get(code[:4] + "00")
        (city or province).children.append(division)
    return Tree(provinces=provinces, by_code=by_code)


@lru_cache(maxsize=1)
def as_json() -> bytes:
    """The tree for the pickers: ``[[code, name, [[code, name, [...]], ...]], ...]``."""

    def pack(division):
        return [division.code, division.name, [pack(child) for child in division.children]]

    data = [pack(province) for province in tree().provinces]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


_NAMES: dict[int, dict[str, Division]] = {}


def _find(divisions: list[Division], word: str) -> Division | None:
    """The division of this level called ``word`` (full or short name)."""
    names = _NAMES.get(id(divisions))
    if names is None:
        names = {}
        for division in reversed(divisions):  # the first of two alike wins
            names[_short(division.name)] = division
        for division in reversed(divisions):
            names[division.name] = division
        _NAMES[id(divisions)] = names
    return names.get(word)


def _read(text: str | None) -> tuple[list[Division], list[str]]:
    """The divisions a region text names, from the province down, and the words left."""
    words = [w for w in _SPLIT.split((text or "").strip()) if w]
    if len(words) == 1:  # 广东省深圳市南山区 written without separators
        words = _glued(words[0])
    path: list[Division] = []
    level = tree().provinces
    for index, word in enumerate(words):
        found = _find(level, word)
        if found is None:
            if path and path[0].code[:2] in MUNICIPALITIES and word == path[0].name:
                continue  # 北京市 北京市 东城区
            return path, words[index:]
        path.append(found)
        level = found.children
    return path, []


def parse(text: str | None) -> list[Division]:
    """The divisions a region text names, from the province down; ``[]`` when its
    first part is not a province (text abroad or free text)."""
    return _read(text)[0]


def _glued(text: str) -> list[str]:
    words: list[str] = []
    level = tree().provinces
    while text and level:
        for division in level:
            name = next(
                (n for n in (division.name, _short(division.name)) if text.startswith(n)), ""
            )
            if name:
                words.append(name)
                text = text[len(name) :]
                level = division.children
                break
        else:
            break
    return words + ([text] if text else [])


def label(path: list[Division]) -> str:
    return SEPARATOR.join(division.name for division in path)


@lru_cache(maxsize=4096)  # an import repeats the same few hundred regions
def canonical(text: str | None) -> str:
    """``广东 深圳`` → ``广东省 深圳市``. Text that is not wholly a region (free text, an
    address abroad, a street after the district) is returned as it is."""
    path, rest = _read(text)
    return label(path) if path and not rest else (text or "").strip()
