"""Service contract screens and API: list/detail/card budgets, the form with its
coverage picker, actions, the entitlement API and the ticket's entitlement partial."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.contracts.tests.helpers import active, contract, days, ticket
from guanxi.service.installed.tests.helpers import item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 3, 2, 0, tzinfo=datetime.UTC)):
        yield


def test_list_detail_and_card_keep_their_query_budget(world, web, django_assert_max_num_queries):
    client_record = h.customer(world)
    made = active(world, client=client_record, end=days(20))
    browser = web(world.admin)
    with django_assert_max_num_queries(14):
        page = browser.get("/service-contracts/").content.decode()
    assert page.count('data-testid="contract-row"') == 1 and "contract-expiring-badge" in page
    for number in range(3):
        contract(world, client=client_record, serial=f"V-{number}", start=days(400 + number * 400),
                 end=days(700 + number * 400))  # fmt: skip
    with django_assert_max_num_queries(14):
        page = browser.get("/service-contracts/").content.decode()
    assert page.count('data-testid="contract-row"') == 4
    expiring = browser.get("/service-contracts/?expiring=true").content.decode()
    assert expiring.count('data-testid="contract-row"') == 1
    with org_scope(world.org):
        unit = made.items.get().installed_product
    for _ in range(3):
        ticket(world, client=client_record, installed=unit)
    with django_assert_max_num_queries(22):
        detail = browser.get(f"/service-contracts/{made.pk}/").content.decode()
    assert detail.count('data-testid="contract-ticket"') == 3
    with django_assert_max_num_queries(12):
        card = browser.get(f"/service-contracts/customer/{client_record.pk}/card/")
    assert card.content.decode().count('data-testid="service-contracts-card-row"') == 4


def test_form_creates_a_contract_covering_the_chosen_items(world, web):
    unit = item(world, serial="FORM-SC")
    browser = web(world.admin)
    picker = browser.get(f"/service-contracts/coverage/?customer={unit.customer_id}")
    assert "FORM-SC" in picker.content.decode()
    data = {"title": "维保", "customer": unit.customer_id, "start_date": "2026-12-01",
            "end_date": "2027-11-30", "installed_products": [unit.pk], "visits_included": "4",
            "price": "3600"}  # fmt: skip
    response = browser.post("/service-contracts/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with org_scope(world.org):
        made = ServiceContract.objects.get(title="维保")
        assert list(made.items.values_list("installed_product_id", flat=True)) == [unit.pk]
    bad = browser.post("/service-contracts/new/", {**data, "end_date": "2026-01-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    overlap = browser.post("/service-contracts/new/", data)
    assert overlap.status_code == 422 and made.code in overlap.content.decode()
    browser.post(f"/service-contracts/{made.pk}/activate/")
    with org_scope(world.org):
        assert ServiceContract.objects.get(pk=made.pk).status == "active"


def test_api_actions(world, api):
    made = contract(world)
    rest = api(world.admin)
    assert rest.post(f"/api/v1/service-contracts/{made.pk}/activate").json()["status"] == "active"
    renewal = rest.post(f"/api/v1/service-contracts/{made.pk}/renew")
    assert renewal.status_code == 201 and renewal.json()["renewal_of"] == made.pk
    again = rest.post(f"/api/v1/service-contracts/{made.pk}/renew")
    assert again.status_code == 422 and again.json()["code"] == "already_renewed"
    cancelled = rest.post(f"/api/v1/service-contracts/{renewal.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    body = {
        "customer": made.customer_id,
        "title": "x",
        "start_date": "2027-01-02",
        "end_date": "2027-01-01",
    }
    bad = rest.post("/api/v1/service-contracts", body, format="json")
    assert bad.status_code == 400 and "end_date" in bad.json()["fields"]


def test_entitlement_api(world, api, other_world):
    made = active(world, first_response_minutes=60)
    with org_scope(world.org):
        unit = made.items.get().installed_product
    rest = api(world.agent)
    answer = rest.get("/api/v1/entitlement", {"customer": unit.customer_id,
                                              "installed_product": unit.pk})  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["kind"] == "service_contract" and body["code"] == made.code
    assert body["promise"]["first_response_minutes"] == 60 and body["chargeable"] is False
    assert rest.get("/api/v1/entitlement").status_code == 400
    foreign = item(other_world, serial="FOREIGN")
    assert rest.get("/api/v1/entitlement", {"customer": foreign.customer_id}).status_code == 404
    # neither installed products nor service contracts: a marketing specialist
    with org_scope(world.org):
        marketer = EmployeeFactory(
            org=world.org, name="市场小王", username="marketer", department=world.sales,
            roles=[role(world.org, "市场专员")],
        )  # fmt: skip
    assert api(marketer).get("/api/v1/entitlement", {"customer": 1}).status_code == 403


def test_ticket_entitlement_partial_checks_the_ticket_scope(world, web):
    unit = item(world, serial="TKT-1", install_date="2026-10-01")
    own = ticket(world, client=unit.customer, installed=unit, assignee=world.agent)
    page = web(world.agent).get(f"/service-contracts/ticket/{own.pk}/entitlement/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-kind="warranty"' in text and "免收人工与配件费" in text
    assert (
        web(world.rep_a).get(f"/service-contracts/ticket/{own.pk}/entitlement/").status_code == 404
    )
