"""Importing customers: row checks, duplicates, all-or-nothing, permissions, audit."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.orgs import numbering
from guanxi.transfer import services
from guanxi.transfer.models import ImportBatch
from guanxi.transfer.tests.helpers import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "电话", "邮箱", "行业", "客户级别", "登记日期", "信用额度", "负责人",
          "联系人", "联系人手机"]  # fmt: skip


def _batch(actor, rows, *, name="customers.csv", content=None, **settings):
    with org_scope(actor.org):
        batch = services.import_upload(
            actor=actor, upload=upload(content or csv_bytes([HEADER, *rows]), name)
        )
        if settings:
            batch = services.import_configure(actor=actor, batch=batch, **settings)
    return batch


def _run(actor, batch, capture, *, validate_only=False):
    with org_scope(actor.org), capture(execute=True):
        if validate_only:
            services.import_validate(actor=actor, batch=batch)
        else:
            services.import_start(actor=actor, batch=batch)
    with org_scope(actor.org):
        return ImportBatch.objects.get(pk=batch.pk)


def _report(batch):
    with org_scope(batch.org_id):
        return list(csv.reader(io.StringIO(batch.error_report.read().decode("utf-8-sig"))))


GOOD = ["北京华为技术有限公司", "13812345678", "a@huawei.com", "信息技术", "key", "2024/3/5",
        "1,200.50", "rep_a", "张三", "13900001111"]  # fmt: skip


def test_upload_keeps_the_file_and_guesses_the_mapping(world):
    batch = _batch(world.manager, [GOOD])
    assert batch.status == "uploaded" and batch.encoding == "utf-8-sig"
    assert batch.mapping == ["name", "phone", "email", "industry", "level", "registered_on",
                             "credit_limit", "owner", "contact_name", "contact_mobile"]  # fmt: skip
    assert batch.file.name.startswith(f"imports/{world.org.pk}/")
    with org_scope(world.org):
        assert services.preview(batch) == [GOOD]


def test_good_rows_are_created_with_codes_keys_contacts_and_history(
    world, django_capture_on_commit_callbacks
):
    second = ["上海某某贸易有限公司", "021-5555 6666", "", "", "", "", "", "", "", ""]
    batch = _run(world.manager, _batch(world.manager, [GOOD, second]),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert batch.status == "done", batch.message
    assert (batch.created_count, batch.error_count) == (2, 0)
    with org_scope(world.org):
        huawei = Customer.objects.get(name="北京华为技术有限公司")
        other = Customer.objects.get(name="上海某某贸易有限公司")
        assert huawei.industry == "it" and huawei.level == "key"
        assert str(huawei.credit_limit) == "1200.50"
        assert huawei.registered_on.isoformat() == "2024-03-05" and huawei.anniversary_md == 305
        assert huawei.in_pool is False and huawei.owner_since is not None
        assert huawei.owner == world.rep_a and huawei.department_id == world.rep_a.department_id
        assert huawei.mnemonic == "BJHWJSYXGS" and "13812345678" in huawei.phone_digits
        assert huawei.code.startswith("KH-") and huawei.code != other.code
        assert other.owner == world.manager  # default owner: the importer
        contact = Contact.objects.get(customer=huawei)
        assert contact.is_primary and contact.name == "张三" and contact.mobile == "13900001111"
        assert LifecycleChange.objects.filter(customer=huawei, reason="created").exists()
        record = ChangeRecord.objects.get(entity="transfer.importbatch")
        assert record.changes["created"]["new"] == 2
        from guanxi.search.models import SearchEntry

        indexed = set(SearchEntry.objects.values_list("kind", "object_id"))
        assert {("customer", huawei.pk), ("customer", other.pk), ("contact", contact.pk)} <= indexed
    from guanxi.search.selectors import search

    with org_scope(world.org):  # found by pinyin initials, a 2-character fragment, phone digits
        for query in ("bjhw", "华为", "5678", "张三"):
            hits = {(hit.kind, hit.id) for hit in search(employee=world.manager, query=query)}
            assert ("customer", huawei.pk) in hits or ("contact", contact.pk) in hits, query


BAD_ROWS = [
    (["", "13800000000", "", "", "", "", "", "", "", ""], "客户名称不能为空"),
    (["甲", "12ab", "", "", "", "", "", "", "", ""], "不是有效的电话号码"),
    (["乙", "", "not-an-email", "", "", "", "", "", "", ""], "电子邮件格式不正确"),
    (["丙", "", "", "不存在的行业", "", "", "", "", "", ""], "不是有效的选项"),
    (["丁", "", "", "", "", "2024-13-45", "", "", "", ""], "日期格式不正确"),
    (["戊", "", "", "", "", "", "abc", "", "", ""], "不是有效的金额"),
    (["<b>己</b>", "", "", "", "", "", "", "", "", ""], "HTML"),
    (['=HYPERLINK("http://x")', "", "", "", "", "", "", "", "", ""], "公式"),
    (["庚" * 201, "", "", "", "", "", "", "", "", ""], "200"),
    (["辛", "", "", "", "", "", "", "没有这个人", "", ""], "找不到在职员工"),
    (["壬", "", "", "", "", "", "", "", "", "13900001111"], "联系人姓名"),
    (["癸", "", "", "", "", "", "", "", "李四", "call me"], "联系人手机"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS, ids=[m for _r, m in BAD_ROWS])
def test_a_bad_row_gets_a_clear_error_and_nothing_is_written(
    world, row, message, django_capture_on_commit_callbacks
):
    batch = _run(world.manager, _batch(world.manager, [GOOD, row]),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert batch.status == "failed" and batch.error_count == 1 and batch.created_count == 0
    assert "没有导入任何数据" in batch.message
    report = _report(batch)
    assert report[0] == ["行号", "列", "值", "问题"]
    assert report[1][0] == "3" and message in report[1][1] + report[1][3], report
    with org_scope(world.org):
        assert not Customer.objects.exists() and not Contact.objects.exists()
        assert not ChangeRecord.objects.filter(entity="transfer.importbatch").exists()


def test_valid_only_imports_the_good_rows(world, django_capture_on_commit_callbacks):
    bad = ["乙", "", "not-an-email", "", "", "", "", "", "", ""]
    batch = _batch(world.manager, [GOOD, bad], valid_only=True)
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.status == "done" and (batch.created_count, batch.error_count) == (1, 1)
    with org_scope(world.org):
        assert list(Customer.objects.values_list("name", flat=True)) == ["北京华为技术有限公司"]


def test_validation_writes_nothing_and_counts(world, django_capture_on_commit_callbacks):
    bad = ["乙", "", "not-an-email", "", "", "", "", "", "", ""]
    batch = _run(world.manager, _batch(world.manager, [GOOD, bad]),
                 django_capture_on_commit_callbacks, validate_only=True)  # fmt: skip
    assert batch.status == "validated" and batch.row_count == 2
    assert (batch.created_count, batch.error_count) == (1, 1)
    assert batch.first_errors[0][0] == 3
    with org_scope(world.org):
        assert not Customer.objects.exists()


@pytest.fixture
def existing(world):
    with org_scope(world.org):
        return customers.customer_create(
            actor=world.manager, name="华为技术（北京）有限公司", phone="010-88886666",
            email="info@hw.com", owner=world.rep_a,
        )  # fmt: skip


ROWS_WITH_DUPLICATES = [
    ["华为技术有限公司", "", "", "", "", "", "", "", "", ""],  # same name core
    ["另一家", "01088886666", "", "", "", "", "", "", "", ""],  # same phone digits
    ["第三家", "", "INFO@hw.com", "", "", "", "", "", "", ""],  # same e-mail
    ["全新客户有限公司", "13700000000", "", "", "", "", "", "", "", ""],
    ["全新客户", "", "", "", "", "", "", "", "", ""],  # same as the row above, in the file
]


def test_duplicates_skipped(world, existing, django_capture_on_commit_callbacks):
    batch = _batch(world.manager, ROWS_WITH_DUPLICATES, duplicate_mode="skip")
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.status == "done" and (batch.created_count, batch.skipped_count) == (1, 4)
    notes = [row[3] for row in _report(batch)[1:]]
    assert any("文件第 5 行" in note for note in notes) and any("电话相同" in n for n in notes)


def test_duplicates_update_the_matched_customer(
    world, existing, django_capture_on_commit_callbacks
):
    header = ["客户名称", "电话", "邮箱", "行业", "客户级别", "登记日期", "信用额度", "负责人",
              "联系人", "联系人手机"]  # fmt: skip
    rows = [["华为技术有限公司", "", "", "信息技术", "", "", "", "", "", ""]]
    batch = _batch(world.manager, rows, duplicate_mode="update",
                   content=csv_bytes([header, *rows]))  # fmt: skip
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert (batch.created_count, batch.updated_count) == (0, 1), batch.first_errors
    with org_scope(world.org):
        existing.refresh_from_db()
        assert existing.industry == "it" and existing.phone == "010-88886666"
        assert existing.name == "华为技术有限公司"


def _importer(world, *extra):
    from guanxi.orgs.models import Role
    from guanxi.orgs.tests.factories import EmployeeFactory

    with all_orgs():
        clerk = Role.objects.create(
            org=world.org, name="导入专员",
            permissions=["customers.view", "customers.create", "customers.edit",
                         "customers.import", "contacts.create", *extra],
            data_scopes={"customers": {"scope": "own", "departments": []}},
        )  # fmt: skip
    return EmployeeFactory(org=world.org, department=world.rep_a.department, roles=[clerk])


def test_update_needs_the_customer_in_scope(world, existing, django_capture_on_commit_callbacks):
    importer = _importer(world)  # sees only their own customers; the match is rep_a's
    rows = [["华为技术有限公司", "", "", "信息技术", "", "", "", "", "", ""]]
    batch = _batch(importer, rows, duplicate_mode="update")
    batch = _run(importer, batch, django_capture_on_commit_callbacks)
    assert batch.updated_count == 0 and batch.status == "failed"
    assert "数据权限" in batch.first_errors[0][3]
    with org_scope(world.org):
        existing.refresh_from_db()
        assert existing.industry == ""


def test_create_mode_creates_duplicates(world, existing, django_capture_on_commit_callbacks):
    batch = _batch(world.manager, ROWS_WITH_DUPLICATES, duplicate_mode="create")
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.created_count == 5
    with org_scope(world.org):
        assert Customer.objects.count() == 6


def test_xlsx_import_with_formula_and_gbk_csv(world, django_capture_on_commit_callbacks):
    content = xlsx_bytes([["客户名称", "备注"], ["甲公司", "=SUM(1,2)"], ["乙公司", "正常"]])
    batch = _batch(world.manager, [], name="a.xlsx", content=content, valid_only=True)
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert (batch.created_count, batch.error_count) == (1, 1)
    content = csv_bytes([["客户名称", "电话"], ["丙公司", "13811112222"]], "gbk")
    batch = _run(world.manager, _batch(world.manager, [], content=content),
                 django_capture_on_commit_callbacks)  # fmt: skip
    with org_scope(world.org):
        assert set(Customer.objects.values_list("name", flat=True)) == {"乙公司", "丙公司"}


def test_mapping_is_checked(world):
    batch = _batch(world.manager, [GOOD])
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.import_configure(actor=world.manager, batch=batch, mapping=["phone"] * 10)
    messages = caught.value.message_dict["mapping"]
    assert any("客户名称" in m for m in messages) and any("多列" in m for m in messages)
    with org_scope(world.org), pytest.raises(ValidationError):
        services.import_configure(actor=world.manager, batch=batch, mapping=["bogus"] * 10)
    with org_scope(world.org), pytest.raises(ValidationError):
        services.import_configure(actor=world.manager, batch=batch, duplicate_mode="merge")


def test_rep_without_import_permission_is_refused(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.import_upload(actor=world.rep_a, upload=upload(csv_bytes([HEADER, GOOD])))
    with all_orgs():
        assert not ImportBatch.objects.exists()


def test_owner_needs_transfer_permission(world, django_capture_on_commit_callbacks):
    importer = _importer(world)
    rows = [["甲公司", "", "", "", "", "", "", "rep_b", "", ""]]
    batch = _run(importer, _batch(importer, rows), django_capture_on_commit_callbacks)
    assert batch.status == "failed" and "转移" in batch.first_errors[0][3]
    rows = [["甲公司", "", "", "", "", "", "", "", "", ""]]
    batch = _run(importer, _batch(importer, rows), django_capture_on_commit_callbacks)
    assert batch.status == "done"
    with org_scope(world.org):
        assert Customer.objects.get().owner == importer


def test_other_org_cannot_touch_a_batch(world, other_world):
    batch = _batch(world.manager, [GOOD])
    with org_scope(other_world.org), pytest.raises(PermissionDenied):
        services.import_configure(actor=other_world.admin, batch=batch, valid_only=True)


def test_codes_come_in_one_block(world):
    with org_scope(world.org):
        first = numbering.next_codes(org_id=world.org.pk, target="customer", count=3)
        after = numbering.next_code(org_id=world.org.pk, target="customer")
    assert [c[-5:] for c in first] == ["00001", "00002", "00003"] and after.endswith("00004")


@pytest.mark.parametrize(
    ("name", "is_person"),
    [("北京华为技术有限公司", False), ("单田芳", True), ("ABC科技2025", False), ("Café", False),
     ("！！", False), ("重庆银行" * 30, False)],
)  # fmt: skip
def test_bulk_search_keys_match_the_single_record_rules(name, is_person):
    from guanxi.customers import bulk

    one, other = Customer(name=name, is_person=is_person), Customer(name=name, is_person=is_person)
    customers._refresh_search(one)
    bulk.refresh_search(other)
    assert (one.mnemonic, one.search_keys) == (other.mnemonic, other.search_keys)
