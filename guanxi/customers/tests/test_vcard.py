"""vCard export of contacts."""

import datetime
from types import SimpleNamespace

import pytest

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services, vcard


@pytest.mark.parametrize(
    ("name", "split"),
    [("张三", ("张", "三")), ("欧阳修", ("欧阳", "修")), ("尉迟恭", ("尉迟", "恭")),
     ("王", ("", "王")), ("John Smith", ("", "John Smith"))],
)  # fmt: skip
def test_chinese_names_split_into_family_and_given(name, split):
    assert vcard.split_name(name) == split


def test_card_escapes_folds_and_uses_crlf():
    contact = SimpleNamespace(
        name="欧阳修", customer=SimpleNamespace(name="宋朝文学, 有限公司;总部"),
        department_name="翰林院", title="学士", mobile="13812345678", office_phone="",
        home_phone="", fax="", email="ouyang@example.com", birthday=datetime.date(1007, 8, 1),
        notes="醉翁之意不在酒\n在乎山水之间也" * 4,
    )  # fmt: skip
    text = vcard.card(contact)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\nN:欧阳;修;;;\r\nFN:欧阳修\r\n")
    assert "ORG:宋朝文学\\, 有限公司\\;总部;翰林院\r\n" in text
    assert "TEL;TYPE=CELL:13812345678\r\n" in text and "BDAY:1007-08-01\r\n" in text
    assert text.endswith("END:VCARD\r\n")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    note = text.split("NOTE:")[1].split("\r\nEND")[0].replace("\r\n ", "")
    assert note == ("醉翁之意不在酒\\n在乎山水之间也" * 4)


@pytest.mark.django_db
def test_api_export_masks_phones_respects_scope_and_is_audited(world, api):
    with org_scope(world.org):
        mine = services.customer_create(actor=world.manager, owner=world.rep_a, name="甲公司")
        services.contact_create(
            actor=world.manager, customer=mine, name="张伟", mobile="13812345678", owner=world.rep_a
        )
        theirs = services.customer_create(actor=world.manager, owner=world.rep_b, name="乙公司")
        services.contact_create(
            actor=world.manager, customer=theirs, name="李雷", owner=world.rep_b
        )
    assert api(world.rep_a).get("/api/v1/contacts/vcard").status_code == 403  # no export right
    response = api(world.manager).get("/api/v1/contacts/vcard", {"customer": mine.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vcard")
    text = response.content.decode()
    assert text.count("BEGIN:VCARD") == 1 and "TEL;TYPE=CELL:13812345678" in text
    with all_orgs():
        record = ExportRecord.objects.get(org=world.org, entity="customers.contact")
    assert record.row_count == 1 and record.file_format == "vcf"


@pytest.mark.django_db
def test_api_export_masks_phones_without_the_special_permission(world, api):
    from guanxi.orgs.tests.factories import EmployeeFactory, role

    with org_scope(world.org):
        customer = services.customer_create(actor=world.manager, owner=world.rep_a, name="甲公司")
        services.contact_create(
            actor=world.manager,
            customer=customer,
            name="张伟",
            mobile="13812345678",
            owner=world.rep_a,
        )
    marketer = EmployeeFactory(org=world.org, name="市场小王", roles=[role(world.org, "市场专员")])
    text = api(marketer).get("/api/v1/contacts/vcard").content.decode()
    assert "TEL;TYPE=CELL:138****5678" in text and "13812345678" not in text
