"""``/api/v1/leads``: list, filters, create (assignment), edit (409), convert (422 for
duplicates and locks, 400 for bad parts), transfer and assign-by-rules, permissions,
other orgs, and the query counts of list and detail."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer
from guanxi.sales.leads import services
from guanxi.sales.leads.models import Lead
from guanxi.sales.leads.tests.helpers import east_team, make_lead
from guanxi.sales.opportunities.models import Opportunity
from guanxi.workspace import services as activity_services

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads"


def _row(lead):
    with org_scope(lead.org_id):
        return Lead.with_deleted.get(pk=lead.pk)


def test_create_without_owner_uses_the_rules(world, api):
    east_team(world, extra=1)
    with org_scope(world.org):
        services.assignment_rule_create(
            actor=world.admin, name="华东轮流", method="round_robin", department=world.east
        )
    body = {"contact_name": "孙莉", "company_name": "苏州新材料", "mobile": "139 0000 2222",
            "source": "web_form", "campaign": 7}  # fmt: skip
    answer = api(world.admin).post(URL, body, format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["owner"] == world.rep_a.pk and "华东轮流" in data["assignment_reason"]
    assert data["campaign"] == 7 and data["code"].startswith("XS-")
    assert data["score"] == 5 and data["score_breakdown"][0]["criterion"] == "source"


def test_create_refusals(world, api):
    client = api(world.rep_a)
    answer = client.post(URL, {"contact_name": "", "email": "bad"}, format="json")
    assert answer.status_code == 400
    answer = client.post(
        URL, {"contact_name": "孙莉", "mobile": "13900002222", "owner": world.rep_b.pk},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 403
    assert api(world.readonly).post(URL, {"contact_name": "x"}, format="json").status_code == 403
    with org_scope(world.org):
        assert not Lead.objects.exists()


def test_list_filters_and_scope(world, api):
    mine = make_lead(world.rep_a, owner=world.rep_a, industry="it", size="1000+")
    theirs = make_lead(world.rep_b, owner=world.rep_b, company_name="北京华北贸易")
    pooled = make_lead(world.admin, company_name="线索池公司", mobile="13712345678")
    ids = lambda answer: {item["id"] for item in answer.json()["items"]}  # noqa: E731
    rep = api(world.rep_a)
    assert ids(rep.get(URL)) == {mine.pk, pooled.pk}
    assert ids(rep.get(URL, {"owner": "none"})) == {pooled.pk}
    assert ids(rep.get(URL, {"score_min": 30})) == {mine.pk}
    assert ids(rep.get(URL, {"q": "2345"})) == {pooled.pk}
    assert ids(api(world.manager).get(URL, {"q": "华北"})) == {theirs.pk}
    assert ids(api(world.manager).get(URL, {"status": "new"})) == {mine.pk, theirs.pk, pooled.pk}
    assert rep.get(URL, {"score_min": 500}).status_code == 400
    assert rep.get(f"{URL}/{theirs.pk}").status_code == 404


def test_phones_are_masked_without_the_special_permission(world, api):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    assert api(world.rep_a).get(f"{URL}/{lead.pk}").json()["mobile"] == "138****1111"
    assert api(world.manager).get(f"{URL}/{lead.pk}").json()["mobile"] == "13800001111"


def test_stale_edit_is_409_and_changes_nothing(world, api):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    client = api(world.rep_a)
    answer = client.patch(f"{URL}/{lead.pk}", {"title": "总监", "version": 5}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "stale_version"
    assert _row(lead).title == ""
    answer = client.patch(f"{URL}/{lead.pk}", {"title": "总监", "version": 1}, format="json")
    assert answer.status_code == 200 and answer.json()["version"] == 2


def test_other_org_is_404_and_unchanged(world, other_world, api):
    foreign = make_lead(other_world.admin, owner=other_world.admin)
    client = api(world.admin)
    assert client.get(f"{URL}/{foreign.pk}").status_code == 404
    assert client.post(f"{URL}/{foreign.pk}/convert", {}, format="json").status_code == 404
    answer = client.post(f"{URL}/transfer", {"leads": [foreign.pk], "owner": None}, format="json")
    assert answer.status_code == 400
    assert _row(foreign).status == "new" and _row(foreign).owner_id == other_world.admin.pk


def test_convert_new_customer_contact_and_opportunity(world, api):
    lead = make_lead(world.rep_a, owner=world.rep_a, industry="it")
    body = {
        "new_customer": {"name": "杭州云帆科技有限公司", "phone": "0571-88886666"},
        "contact": {"title": "CTO"},
        "opportunity": {"name": "云帆项目", "amount": "50000.00",
                        "expected_close_date": "2027-02-28"},
        "version": 1,
    }  # fmt: skip
    answer = api(world.rep_a).post(f"{URL}/{lead.pk}/convert", body, format="json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["status"] == "converted"
    with org_scope(world.org):
        customer = Customer.objects.get(pk=data["converted_customer"])
        contact = Contact.objects.get(pk=data["converted_contact"])
        opportunity = Opportunity.objects.get(pk=data["converted_opportunity"])
    assert customer.phone == "0571-88886666" and contact.title == "CTO"
    assert str(opportunity.amount) == "50000.00" and opportunity.customer_id == customer.pk
    # locked afterwards: 422 and nothing changes
    answer = api(world.rep_a).patch(f"{URL}/{lead.pk}", {"title": "x"}, format="json")
    assert answer.status_code == 422 and answer.json()["code"] == "lead_converted"
    assert _row(lead).title == ""


def test_convert_duplicate_422_then_pick_existing(world, api):
    with org_scope(world.org):
        existing = customer_services.customer_create(actor=world.rep_a, name="杭州云帆科技有限公司")
    lead = make_lead(world.rep_a, owner=world.rep_a)
    client = api(world.rep_a)
    answer = client.post(f"{URL}/{lead.pk}/convert", {}, format="json")
    assert answer.status_code == 422
    data = answer.json()
    assert data["code"] == "possible_duplicate"
    assert [d["id"] for d in data["duplicates"]] == [existing.pk]
    assert _row(lead).status == "new"
    answer = client.post(f"{URL}/{lead.pk}/convert", {"customer": existing.pk}, format="json")
    assert answer.status_code == 200
    assert answer.json()["converted_customer"] == existing.pk


def test_convert_refusals(world, api):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    client = api(world.rep_a)
    answer = client.post(f"{URL}/{lead.pk}/convert", {"contact": {"mobile": "abc"}}, format="json")
    assert answer.status_code == 400 and "contact.mobile" in answer.json()["fields"]
    answer = client.post(f"{URL}/{lead.pk}/convert", {"customer": 0}, format="json")
    assert answer.status_code == 400
    answer = client.post(f"{URL}/{lead.pk}/convert", {"version": 9}, format="json")
    assert answer.status_code == 409
    assert (
        api(world.readonly).post(f"{URL}/{lead.pk}/convert", {}, format="json").status_code == 403
    )
    with org_scope(world.org):
        assert not Customer.objects.exists()
    assert _row(lead).status == "new"


def test_transfer_and_assign_by_rules(world, api):
    pooled = make_lead(world.admin)
    assert (
        api(world.rep_a)
        .post(f"{URL}/transfer", {"leads": [pooled.pk], "owner": world.rep_a.pk}, format="json")
        .status_code
        == 403
    )
    assert _row(pooled).owner_id is None
    answer = api(world.manager).post(
        f"{URL}/assign-by-rules", {"leads": [pooled.pk]}, format="json"
    )
    assert answer.json() == {"assigned": 0, "unmatched": 1, "skipped": 0}
    answer = api(world.manager).post(
        f"{URL}/transfer", {"leads": [pooled.pk], "owner": world.rep_b.pk}, format="json"
    )
    assert answer.status_code == 200 and answer.json() == {"moved": 1}
    assert _row(pooled).owner_id == world.rep_b.pk
    answer = api(world.rep_a).post(f"{URL}/{make_lead(world.admin).pk}/claim", format="json")
    assert answer.status_code == 200 and answer.json()["owner"] == world.rep_a.pk


def test_delete_is_soft_and_restore_brings_it_back(world, api):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    assert api(world.rep_a).delete(f"{URL}/{lead.pk}").status_code == 403
    assert api(world.manager).delete(f"{URL}/{lead.pk}").status_code == 204
    assert _row(lead).deleted_at is not None
    assert api(world.manager).get(f"{URL}/{lead.pk}").status_code == 404
    assert api(world.rep_a).post(f"{URL}/{lead.pk}/restore").status_code == 403
    assert api(world.manager).post(f"{URL}/{lead.pk}/restore").status_code == 200
    assert _row(lead).deleted_at is None
    assert api(world.manager).post(f"{URL}/{lead.pk}/restore").status_code == 422
    assert api(world.manager).post(f"{URL}/999999/restore").status_code == 404


def _many(world, n):
    for i in range(n):
        make_lead(world.rep_a, owner=world.rep_a, mobile=f"1380000{i:04d}", industry="it")


def test_list_and_detail_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    _many(world, 3)
    client = api(world.manager)
    client.get(URL)  # warm the caches (roles, dictionaries)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    listed = len(few.captured_queries)
    _many(world, 12)
    with django_assert_max_num_queries(listed):
        assert len(client.get(URL).json()["items"]) == 15
    lead = make_lead(world.rep_a, owner=world.rep_a)
    client.get(f"{URL}/{lead.pk}")
    with django_assert_max_num_queries(14) as one:
        assert client.get(f"{URL}/{lead.pk}").status_code == 200
    queries = len(one.captured_queries)  # read now: the next request resets the log
    with org_scope(world.org):
        for n in range(4):
            activity_services.activity_create(
                actor=world.rep_a,
                content=f"第{n}次跟进",
                target=("lead", lead.pk),
                outcome="有回应",
            )
    with django_assert_max_num_queries(queries):
        assert client.get(f"{URL}/{lead.pk}").json()["activity_count"] == 4
