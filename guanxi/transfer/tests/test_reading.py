"""Reading uploads: encodings, .xlsx, refused files; guessing the mapping."""

import io

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import CustomField
from guanxi.transfer import mapping, reading
from guanxi.transfer.tests.helpers import csv_bytes, xlsx_bytes

ROWS = [["客户名称", "电话", "邮箱"], ["华为技术有限公司", "13812345678", "a@huawei.com"]]


def _inspect(content):
    return reading.inspect(io.BytesIO(content), len(content))


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (csv_bytes(ROWS), "utf-8-sig"),
        (b"\xef\xbb\xbf" + csv_bytes(ROWS), "utf-8-sig"),
        (csv_bytes(ROWS, "gb18030"), "gb18030"),
        (csv_bytes(ROWS, "gbk"), "gb18030"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk"],
)
def test_csv_encodings_are_detected(content, encoding):
    info = _inspect(content)
    assert info["file_type"] == "csv" and info["encoding"] == encoding
    assert info["header"] == ["客户名称", "电话", "邮箱"]
    assert info["preview"] == [["华为技术有限公司", "13812345678", "a@huawei.com"]]


def test_semicolon_and_tab_separated_files():
    text = "客户名称;电话\n甲公司;13800000000\n".encode()
    assert _inspect(text)["header"] == ["客户名称", "电话"]
    text = "客户名称\t电话\n甲公司\t13800000000\n".encode()
    assert _inspect(text)["preview"] == [["甲公司", "13800000000"]]


def test_xlsx_is_read_by_content_and_formulas_stay_text():
    content = xlsx_bytes([["客户名称", "信用额度", "备注"], ["甲公司", 1200.0, "=1+1"]])
    info = _inspect(content)
    assert info["file_type"] == "xlsx" and info["encoding"] == ""
    assert info["preview"] == [["甲公司", "1200", "=1+1"]]  # never evaluated


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + b"\x00" * 100, "broken"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_spreadsheet"),
        (b"\xff\xfe\xff\xfe broken \xff", "encoding"),
        ("客户名称\n".encode(), "no_rows"),
        (b"\r\n\r\n", "empty"),
    ],
    ids=["empty", "broken-zip", "old-xls", "png", "broken-bytes", "header-only", "blank"],
)
def test_bad_files_get_a_clear_error(content, code):
    with pytest.raises(ValidationError) as caught:
        _inspect(content)
    assert caught.value.error_dict["file"][0].code == code
    assert caught.value.message_dict["file"][0]


def test_a_zip_that_is_not_a_workbook_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError) as caught:
        _inspect(out.getvalue())
    assert caught.value.error_dict["file"][0].code == "not_spreadsheet"


def test_too_big_file_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 10)
    with pytest.raises(ValidationError) as caught:
        _inspect(csv_bytes(ROWS))
    assert caught.value.error_dict["file"][0].code == "too_big"


def test_row_limit(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    content = csv_bytes([["客户名称"], ["a"], ["b"], ["c"]])
    with pytest.raises(ValidationError):
        list(reading.iter_rows(io.BytesIO(content), file_type="csv", encoding="utf-8-sig"))


@pytest.mark.django_db
def test_mapping_is_guessed_from_chinese_english_and_codes(world):
    with org_scope(world.org):
        CustomField.objects.create(
            org=world.org, entity="customer", code="wechat", label="微信号", label_en="WeChat",
            field_type="text",
        )  # fmt: skip
        defs = [d for d in CustomField.objects.filter(entity="customer")]
        header = ["公司名称", "联系电话", "E-mail", "Industry", "负责人", "客户级别 *", "微信号",
                  "联系人", "联系人手机", "无关列", "Notes", "电话"]  # fmt: skip
        guessed = mapping.guess(header, defs)
    # "电话" is the exact label, so the synonym "联系电话" is left for the user to choose
    assert guessed == [
        "name", "", "email", "industry", "owner", "level", "cf_wechat", "contact_name",
        "contact_mobile", "", "notes", "phone",
    ]  # fmt: skip


def test_exact_labels_win_over_synonyms():
    guessed = mapping.guess(["手机", "电话", "财务电话"], [])
    assert guessed == ["", "phone", "finance_phone"]
