"""The defects API: create (also from a ticket), PATCH with a stale version, transitions,
ticket links, statistics, permissions, other orgs and query budgets."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.defects.models import Defect, DefectTicket
from guanxi.service.defects.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_record_a_defect_from_a_ticket(world, api):
    item = h.product(world, name="智能门锁")
    ticket = h.ticket(world, subject="指纹识别失败", product=item)
    response = api(world.agent).post(
        "/api/v1/defects", {"ticket": ticket.pk, "severity": "critical"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("QX-") and body["product"] == item.pk
    assert body["title"] == "指纹识别失败" and body["ticket_count"] == 1
    assert body["severity_label"] == "致命" and body["status"] == "open"
    links = api(world.agent).get(f"/api/v1/defects/{body['id']}/tickets").json()
    assert [row["ticket_code"] for row in links] == [ticket.code]


def test_bad_input_is_400_and_writes_nothing(world, api):
    response = api(world.agent).post(
        "/api/v1/defects", {"title": "无产品", "severity": "huge"}, format="json"
    )
    assert response.status_code == 400
    assert "severity" in response.json()["fields"] or "product" in response.json()["fields"]
    with org_scope(world.org):
        assert not Defect.with_deleted.exists()


def test_patch_with_a_stale_version_is_409(world, api):
    made = h.defect(world)
    client = api(world.agent)
    url = f"/api/v1/defects/{made.pk}"
    ok = client.patch(url, {"fixed_version": "V3", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(url, {"fixed_version": "V4", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert h.reload(world, made).fixed_version == "V3"


def test_transitions_and_a_bad_move_is_422(world, api):
    made = h.defect(world)
    client = api(world.agent)
    url = f"/api/v1/defects/{made.pk}/transition"
    bad = client.post(url, {"status": "closed"}, format="json")
    assert bad.status_code == 422 and bad.json()["code"] == "defect_bad_transition"
    ok = client.post(url, {"status": "confirmed"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    dup = client.post(url, {"status": "duplicate"}, format="json")
    assert dup.status_code == 400 and "duplicate_of" in dup.json()["fields"]
    assert h.reload(world, made).status == "confirmed"


def test_link_and_unlink_tickets(world, api, other_world):
    made = h.defect(world)
    ticket = h.ticket(world)
    client = api(world.agent)
    url = f"/api/v1/defects/{made.pk}/tickets"
    linked = client.post(url, {"ticket": ticket.code}, format="json")
    assert linked.status_code == 201 and linked.json()["ticket"] == ticket.pk
    again = client.post(url, {"ticket": str(ticket.pk)}, format="json")
    assert again.status_code == 422 and again.json()["code"] == "defect_ticket_linked"
    foreign = h.ticket(other_world, actor=other_world.agent)
    refused = client.post(url, {"ticket": str(foreign.pk)}, format="json")
    assert refused.status_code == 400 and "ticket" in refused.json()["fields"]
    assert client.delete(f"{url}/{ticket.pk}").status_code == 204
    with org_scope(world.org):
        assert not DefectTicket.objects.exists()


def test_a_rep_without_the_module_is_refused_and_nothing_changes(world, api):
    made = h.defect(world)
    rep = api(world.rep_a)
    assert rep.get("/api/v1/defects").status_code == 403
    assert rep.get("/api/v1/defects/stats").status_code == 403
    assert (
        rep.patch(f"/api/v1/defects/{made.pk}", {"title": "改"}, format="json").status_code == 403
    )
    assert rep.delete(f"/api/v1/defects/{made.pk}").status_code == 403
    fresh = h.reload(world, made)
    assert fresh.title == "滤芯接口渗水" and fresh.deleted_at is None


def test_an_agent_cannot_delete_but_a_manager_of_the_org_sees_all(world, api):
    made = h.defect(world)
    assert api(world.agent).delete(f"/api/v1/defects/{made.pk}").status_code == 403
    assert h.reload(world, made).deleted_at is None
    assert api(world.admin).delete(f"/api/v1/defects/{made.pk}").status_code == 204
    assert h.reload(world, made).deleted_at is not None


def test_another_orgs_defect_is_404_and_unchanged(world, other_world, api):
    made = h.defect(world)
    stranger = api(other_world.admin)
    assert stranger.get(f"/api/v1/defects/{made.pk}").status_code == 404
    response = stranger.post(f"/api/v1/defects/{made.pk}/transition", {"status": "confirmed"})
    assert response.status_code == 404
    assert stranger.get("/api/v1/defects").json()["count"] == 0
    assert stranger.get("/api/v1/defects/stats").json()["totals"]["total"] == 0
    assert h.reload(world, made).status == "open"


def test_stats_shape(world, api):
    made = h.defect(world, severity="critical")
    ticket = h.ticket(world)
    api(world.agent).post(f"/api/v1/defects/{made.pk}/tickets", {"ticket": ticket.code})
    body = api(world.agent).get("/api/v1/defects/stats").json()
    assert body["totals"] == {"total": 1, "open": 1, "critical": 1}
    assert body["products"][0]["tickets"] == 1 and len(body["trend"]) == 12
    assert body["trend"][-1]["defects"] == 1 and body["trend"][-1]["tickets"] == 1
    one = api(world.agent).get(f"/api/v1/defects/stats?product={made.product_id}").json()
    assert one["trend"][-1]["defects"] == 1
    assert api(world.agent).get("/api/v1/defects/stats?product=x").status_code == 400


def test_list_filters(world, api):
    washer = h.product(world, name="洗碗机")
    h.defect(world, item=washer, severity="critical", title="门封漏水")
    h.defect(world, severity="minor", title="面板划痕")
    client = api(world.agent)
    assert client.get("/api/v1/defects?severity=critical").json()["count"] == 1
    assert client.get(f"/api/v1/defects?product={washer.pk}").json()["count"] == 1
    assert client.get("/api/v1/defects?q=划痕").json()["items"][0]["title"] == "面板划痕"
    assert client.get("/api/v1/defects?status=open").json()["count"] == 2
    assert client.get("/api/v1/defects?severity=nope").status_code == 400


def test_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    item = h.product(world)
    ticket = h.ticket(world)
    client = api(world.agent)
    for _ in range(2):
        made = h.defect(world, item=item, ticket=ticket.pk)
    with django_assert_max_num_queries(12) as small:
        assert client.get("/api/v1/defects").status_code == 200
    with django_assert_max_num_queries(12) as stats_small:
        assert client.get("/api/v1/defects/stats").status_code == 200
    for n in range(6):
        h.defect(world, item=h.product(world, name=f"产品{n}"), ticket=ticket.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/defects").json()["items"]) == 8
    with django_assert_max_num_queries(len(stats_small.captured_queries)):
        assert len(client.get("/api/v1/defects/stats").json()["products"]) == 7
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/defects/{made.pk}").status_code == 200
