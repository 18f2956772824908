"""core.pinyin: initials, full pinyin and search keys for Chinese names."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.catalog.mnemonic import mnemonic_of
from guanxi.core.pinyin import (
    COMPOUND_SURNAMES,
    MAX_LENGTH,
    SURNAMES,
    full_pinyin,
    mnemonic,
    search_keys,
)

# ---- mnemonic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABC科技2025", "ABCKJ2025"),
        ("重庆银行", "CQYH"),
        ("惠普 LaserJet Pro", "HPLASERJETPRO"),
        ("北京华为", "BJHW"),
        ("上海·浦东（分公司）", "SHPDFGS"),
        ("Café 咖啡", "CAFEKF"),
    ],
)
def test_mnemonic_is_upper_case_initials_with_latin_and_digits_kept_whole(text, expected):
    assert mnemonic(text) == expected


@pytest.mark.parametrize(
    ("text", "initials", "full"),
    [
        ("银行", "YH", "yinhang"),
        ("行走", "XZ", "xingzou"),
        ("重庆", "CQ", "chongqing"),
        ("长城", "CC", "changcheng"),
        ("长大", "ZD", "zhangda"),
        ("银行行长", "YHHZ", "yinhanghangzhang"),
    ],
)
def test_polyphonic_characters_take_the_reading_of_their_phrase(text, initials, full):
    assert mnemonic(text) == initials
    assert full_pinyin(text) == full


def test_full_width_letters_and_digits_count_as_half_width():
    assert mnemonic("ＡＢＣ１２") == "ABC12"
    assert mnemonic("ＥＲＰ实施") == "ERPSS"
    assert full_pinyin("ＡＢＣ１２") == "abc12"


def test_mnemonic_is_cut_at_sixty_characters():
    assert MAX_LENGTH == 60
    assert mnemonic("A" * 100) == "A" * 60
    assert mnemonic("中华人民共和国" * 20) == ("ZHRMGHG" * 20)[:60]
    assert mnemonic("中华人民共和国", max_length=3) == "ZHR"


@pytest.mark.parametrize("empty", [None, "", "   ", "，。！", "😀🎉"])
def test_empty_or_nothing_readable_gives_an_empty_string(empty):
    assert mnemonic(empty) == ""
    assert full_pinyin(empty) == ""
    assert search_keys(empty) == ""
    assert mnemonic(empty, person=True) == ""


def test_characters_without_a_reading_are_dropped():
    # U+9FEF and U+2B81D are ideographs pypinyin has no reading for
    assert mnemonic("张\u9fef三\U0002b81d") == "ZS"
    assert full_pinyin("张\u9fef三") == "zhangsan"


# ---- full pinyin and search keys --------------------------------------------------------


def test_full_pinyin_is_lower_case_toneless_and_joined():
    assert full_pinyin("北京华为") == "beijinghuawei"
    assert full_pinyin("ABC科技2025") == "abckeji2025"
    assert full_pinyin("惠普 LaserJet Pro") == "huipulaserjetpro"
    assert full_pinyin("绿色") == "lvse"


def test_search_keys_hold_initials_and_full_pinyin():
    assert search_keys("单田芳", person=True) == "stf shantianfang"
    assert search_keys("北京华为") == "bjhw beijinghuawei"
    assert search_keys("惠普 LaserJet Pro") == "hplaserjetpro huipulaserjetpro"


def test_search_keys_of_text_without_chinese_appear_once():
    assert search_keys("ERP 2025") == "erp2025"


def test_search_keys_keep_initials_beyond_the_mnemonic_limit():
    initials, full = search_keys("中华人民共和国" * 20).split(" ")
    assert initials == ("zhrmghg" * 20)
    assert full == "zhonghuarenmingongheguo" * 20


# ---- surnames ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "plain", "as_person", "full_as_person"),
    [
        ("单田芳", "DTF", "STF", "shantianfang"),
        ("曾国藩", "CGF", "ZGF", "zengguofan"),
        ("解缙", "JJ", "XJ", "xiejin"),
        ("仇英", "CY", "QY", "qiuying"),
        ("朴树", "PS", "PS", "piaoshu"),
        ("翟志刚", "DZG", "ZZG", "zhaizhigang"),
        ("区家明", "QJM", "OJM", "oujiaming"),
    ],
)
def test_single_surnames_are_read_as_surnames_only_for_people(
    name, plain, as_person, full_as_person
):
    assert mnemonic(name) == plain
    assert mnemonic(name, person=True) == as_person
    assert full_pinyin(name, person=True) == full_as_person


def test_surname_reading_changes_the_plain_reading():
    assert full_pinyin("单田芳") == "dantianfang"
    assert full_pinyin("曾国藩") == "cengguofan"


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("尉迟恭", "YCG", "yuchigong"),
        ("万俟卨", "MQX", "moqixie"),
        ("长孙无忌", "ZSWJ", "zhangsunwuji"),
    ],
)
def test_compound_surnames_are_matched_before_single_ones(name, initials, full):
    assert mnemonic(name, person=True) == initials
    assert full_pinyin(name, person=True) == full


def test_every_surname_in_the_table_is_read_as_listed():
    for surname, reading in SURNAMES.items():
        assert full_pinyin(surname + "一", person=True) == reading + "yi"
    for surname, syllables in COMPOUND_SURNAMES.items():
        assert full_pinyin(surname + "一", person=True) == "".join(syllables) + "yi"


def test_only_the_leading_surname_is_read_as_a_surname():
    # 单 in the middle of a name, or after Latin text, keeps its ordinary reading
    assert full_pinyin("张单", person=True) == "zhangdan"
    assert mnemonic("Mr 单田芳", person=True) == "MRDTF"
    # leading punctuation and spaces do not hide the surname
    assert mnemonic("  （单田芳", person=True) == "STF"


def test_names_whose_surname_is_not_in_the_table_read_as_usual():
    assert mnemonic("张三", person=True) == mnemonic("张三") == "ZS"
    assert full_pinyin("王小明", person=True) == "wangxiaoming"


# ---- robustness -------------------------------------------------------------------------

_MNEMONIC = re.compile(r"[A-Z0-9]*")
_LOWER = re.compile(r"[a-z0-9]*")
_KEYS = re.compile(r"([a-z0-9]+( [a-z0-9]+)?)?")

# any text, plus pieces that make Chinese, surnames, full-width forms, emoji, combining
# marks and lone surrogates likely
_PIECES = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2FFFF),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    st.sampled_from([*SURNAMES, *COMPOUND_SURNAMES, "\ud800", "\udfff", "a", "Z", "9", " ", "é"]),
)
_TEXT = st.one_of(st.text(), st.lists(_PIECES).map("".join))


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, person=st.booleans())
def test_any_text_gives_clean_strings(text, person):
    initials = mnemonic(text, person=person)
    full = full_pinyin(text, person=person)
    keys = search_keys(text, person=person)
    assert isinstance(initials, str)
    assert _MNEMONIC.fullmatch(initials)
    assert len(initials) <= MAX_LENGTH
    assert _LOWER.fullmatch(full)
    assert _KEYS.fullmatch(keys)
    assert keys.split(" ")[-1] == full
    assert keys.split(" ")[0].upper()[:MAX_LENGTH] == initials


def test_lone_surrogates_and_control_characters_are_dropped():
    assert mnemonic("\ud800中\x00文\U000e0001") == "ZW"


# ---- catalog ----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(name=_TEXT)
def test_product_mnemonic_is_the_non_person_mnemonic(name):
    assert mnemonic_of(name) == mnemonic(name, person=False)


@pytest.mark.parametrize("name", ["单田芳", "重庆长城宽带", "曾国藩", "ＥＲＰ实施", ""])
def test_product_names_never_use_surname_readings(name):
    assert mnemonic_of(name) == mnemonic(name)


# ---- readings kept per word ---------------------------------------------------------------

_HAN_TEXT = st.text(
    alphabet=st.sampled_from("重庆银行长城大都会乐曾单行走朝阳还书和平调查中国人民长沙分"),
    max_size=12,
)


@pytest.mark.parametrize(
    "text",
    ["中国银行长沙分行", "重庆长城宽带", "行长走行", "长大了的长城", "都市都会", "朝阳朝代"],
)
def test_word_by_word_reading_is_the_whole_run_reading(text):
    from pypinyin import Style, lazy_pinyin

    assert full_pinyin(text) == "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


@settings(max_examples=200, deadline=None)
@given(text=_HAN_TEXT)
def test_cached_words_read_as_the_run_does(text):
    from pypinyin import Style, lazy_pinyin

    full_pinyin(text)  # fill the word cache with this text's words
    expected = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))
    assert full_pinyin(text) == expected
