"""Contract screens: list and detail with a fixed number of queries, the form with its
lines and payment plan, the status actions, and files only for those who may see."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, ContractAttachment
from guanxi.sales.contracts.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_list_and_detail_pages_keep_their_query_budget(world, web, django_assert_max_num_queries):
    for _ in range(2):
        h.contract(world)
    client = web(world.rep_a)
    with django_assert_max_num_queries(16):
        page = client.get("/contracts/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="contract-row"') == 2
    for _ in range(4):
        h.contract(world)
    with django_assert_max_num_queries(16):
        assert client.get("/contracts/").content.decode().count('data-testid="contract-row"') == 6
    contract = h.contract(world)
    with django_assert_max_num_queries(22):
        detail = client.get(f"/contracts/{contract.pk}/")
    assert detail.status_code == 200
    assert contract.code in detail.content.decode()


def test_create_from_the_form_with_lines_and_a_plan(world, web):
    client_record = h.customer(world)
    item = h.product(world)
    response = web(world.rep_a).post(
        "/contracts/new/",
        {
            "title": "网关采购合同",
            "customer": client_record.pk,
            "lines_json": json.dumps(
                [{"product": item.pk, "quantity": "2", "unit_price": "500", "tax_rate": "0"}]
            ),
            "plan_json": json.dumps(
                [
                    {"amount": "400", "due_date": "2027-01-31"},
                    {"amount": "600", "due_date": "2027-02-28"},
                ]
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with org_scope(world.org):
        contract = Contract.objects.get(title="网关采购合同")
        assert [str(i.amount) for i in contract.instalments.all()] == ["400.000000", "600.000000"]


def test_a_plan_that_does_not_sum_shows_the_error_and_saves_nothing(world, web):
    client_record = h.customer(world)
    item = h.product(world)
    response = web(world.rep_a).post(
        "/contracts/new/",
        {
            "title": "错误分期",
            "customer": client_record.pk,
            "lines_json": json.dumps([{"product": item.pk, "quantity": "1", "unit_price": "500"}]),
            "plan_json": json.dumps([{"amount": "400", "due_date": "2027-01-31"}]),
        },
    )
    assert response.status_code == 400
    assert 'data-testid="plan-error"' in response.content.decode()
    with org_scope(world.org):
        assert not Contract.objects.filter(title="错误分期").exists()


def test_edit_page_of_an_effective_contract_sends_back_to_the_detail(world, web):
    contract = h.contract(world)
    with org_scope(world.org):
        services.contract_submit(actor=world.rep_a, contract=contract)
    response = web(world.rep_a).get(f"/contracts/{contract.pk}/edit/")
    assert response.status_code == 302
    posted = web(world.rep_a).post(f"/contracts/{contract.pk}/edit/", {"title": "x"})
    assert posted.status_code == 302
    with org_scope(world.org):
        assert Contract.objects.get(pk=contract.pk).title == "年度采购合同"


def test_submit_button_makes_it_effective(world, web):
    contract = h.contract(world)
    response = web(world.rep_a).post(f"/contracts/{contract.pk}/submit/", follow=True)
    assert response.status_code == 200
    with org_scope(world.org):
        assert Contract.objects.get(pk=contract.pk).status == Contract.Status.EFFECTIVE


def test_files_are_uploaded_and_downloaded_only_by_those_who_see_the_contract(world, web):
    contract = h.contract(world)
    upload = SimpleUploadedFile("签字版.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = web(world.rep_a).post(f"/contracts/{contract.pk}/files/", {"file": upload})
    assert response.status_code == 302
    with org_scope(world.org):
        attachment = ContractAttachment.objects.get(contract=contract)
    assert attachment.original_name == "签字版.pdf"
    download = web(world.rep_a).get(f"/contracts/files/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert "attachment;" in download["Content-Disposition"]
    assert web(world.rep_b).get(f"/contracts/files/{attachment.pk}/").status_code == 404


def test_a_disallowed_file_type_is_refused(world, web):
    contract = h.contract(world)
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    web(world.rep_a).post(f"/contracts/{contract.pk}/files/", {"file": upload})
    with org_scope(world.org):
        assert not ContractAttachment.objects.filter(contract=contract).exists()


def test_the_customer_card_lists_visible_contracts(world, web):
    contract = h.contract(world)
    response = web(world.rep_a).get(f"/contracts/customer/{contract.customer_id}/card/")
    assert response.status_code == 200
    assert contract.code in response.content.decode()
