"""``/api/v1/tickets`` and ``/api/v1/service/call``: fields, actions, errors, data scope,
other orgs, and query counts that do not grow with the rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Role
from guanxi.orgs.permissions import DataScope
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.service.tickets import services
from guanxi.service.tickets.models import Ticket, TicketMessage
from guanxi.service.tickets.tests import helpers as t
from guanxi.workspace import services as workspace_services

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets"
FIELDS = {
    "code", "subject", "description", "channel", "category", "priority", "status", "customer",
    "contact", "assignee", "assignment_reason", "team", "product", "installed_product",
    "created_by", "first_response_at", "resolved_at", "closed_at", "reopen_count",
    "resolution", "version", "created_at", "updated_at",
}  # fmt: skip


def _create(client, world, **fields):
    customer = fields.pop("customer", None) or t.customer(world)
    body = {"customer": customer.pk, "subject": "热水器不出热水", "category": "repair", **fields}
    return client.post(URL, body, format="json")


class TestCrud:
    def test_create_and_read_fields(self, world, api):
        client = api(world.agent)
        response = _create(client, world, priority="high", description="一直是凉水")
        assert response.status_code == 201, response.content
        data = response.json()
        assert set(data) >= FIELDS
        assert data["status"] == "new" and data["category"] == "repair"
        assert data["created_by"] == world.agent.pk and data["code"]
        detail = client.get(f"{URL}/{data['id']}").json()
        assert detail["subject"] == "热水器不出热水"

    def test_create_with_assignee(self, world, api):
        data = _create(api(world.agent), world, assignee=world.agent.pk).json()
        assert data["status"] == "assigned" and data["team"] == world.service.pk
        assert world.agent.name in data["assignment_reason"]

    def test_bad_input_is_400_with_fields(self, world, api):
        client = api(world.agent)
        response = _create(client, world, category="nope", product=999999)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and {"category", "product"} <= set(body["fields"])
        assert "subject" in _create(client, world, subject="").json()["fields"]
        with org_scope(world.org):
            assert Ticket.with_deleted.count() == 0

    def test_list_shape_and_filters(self, world, api):
        client = api(world.agent)
        mine = t.ticket(world, assignee=world.agent, priority="urgent")
        other = t.ticket(world, subject="咨询价格", category="consultation")
        listing = client.get(URL).json()
        assert set(listing) >= {"items", "count", "next"}
        assert {row["id"] for row in listing["items"]} == {mine.pk, other.pk}
        assert [r["id"] for r in client.get(URL, {"assignee": "me"}).json()["items"]] == [mine.pk]
        assert [r["id"] for r in client.get(URL, {"assignee": "unassigned"}).json()["items"]] == [
            other.pk
        ]
        assert [r["id"] for r in client.get(URL, {"q": "咨询"}).json()["items"]] == [other.pk]
        assert [r["id"] for r in client.get(URL, {"status": "open"}).json()["items"]] == [
            other.pk,
            mine.pk,
        ]
        assert client.get(URL, {"assignee": "nobody"}).status_code == 400

    def test_patch_with_stale_version_is_409(self, world, api):
        ticket = t.ticket(world)
        client = api(world.agent)
        first = client.patch(
            f"{URL}/{ticket.pk}", {"priority": "urgent", "version": ticket.version}, format="json"
        )
        assert first.status_code == 200 and first.json()["version"] == ticket.version + 1
        stale = client.patch(
            f"{URL}/{ticket.pk}", {"subject": "旧版本", "version": ticket.version}, format="json"
        )
        assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
        assert t.reload(world, ticket).subject == "净水器漏水"

    def test_patch_cannot_move_assignee(self, world, api):
        ticket = t.ticket(world)
        response = api(world.agent).patch(
            f"{URL}/{ticket.pk}", {"assignee": world.admin.pk}, format="json"
        )
        assert response.status_code == 400 and "assignee" in response.json()["fields"]

    def test_delete_and_restore(self, world, api):
        ticket = t.ticket(world)
        assert api(world.agent).delete(f"{URL}/{ticket.pk}").status_code == 403
        client = api(world.admin)
        assert client.delete(f"{URL}/{ticket.pk}").status_code == 204
        assert client.get(f"{URL}/{ticket.pk}").status_code == 404
        restored = client.post(f"{URL}/{ticket.pk}/restore")
        assert restored.status_code == 200 and restored.json()["id"] == ticket.pk

    def test_idempotent_create(self, world, api):
        client = api(world.agent)
        customer = t.customer(world)
        body = {"customer": customer.pk, "subject": "重复提交", "category": "repair"}
        first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == second.status_code == 201
        assert first.json()["id"] == second.json()["id"]
        assert second.headers.get("Idempotent-Replayed") == "true"


class TestActions:
    def test_workflow_through_the_api(self, world, api):
        client = api(world.agent)
        ticket = t.ticket(world)
        url = f"{URL}/{ticket.pk}"
        assigned = client.post(
            f"{url}/assign", {"assignee": world.agent.pk, "reason": "我来"}, format="json"
        )
        assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
        reply = client.post(f"{url}/replies", {"body": "您好，已收到"}, format="json")
        assert reply.status_code == 201 and reply.json()["kind"] == "reply"
        client.post(f"{url}/replies", {"body": "疑似滤芯问题", "public": False}, format="json")
        messages = client.get(f"{url}/replies").json()["items"]
        assert [m["kind"] for m in messages] == ["reply", "note"]
        assert client.get(url).json()["first_response_at"] is not None
        refused = client.post(f"{url}/transition", {"status": "closed"}, format="json")
        assert refused.status_code == 422 and refused.json()["code"] == "ticket_not_resolved"
        no_text = client.post(f"{url}/transition", {"status": "resolved"}, format="json")
        assert no_text.status_code == 400 and "resolution" in no_text.json()["fields"]
        resolved = client.post(
            f"{url}/transition", {"status": "resolved", "resolution": "更换滤芯"}, format="json"
        )
        assert resolved.json()["status"] == "resolved"
        closed = client.post(f"{url}/transition", {"status": "closed"}, format="json")
        assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
        survey = client.post(f"{url}/survey", {"score": 5, "comment": "好"}, format="json")
        assert survey.status_code == 201 and survey.json()["score"] == 5
        assert client.get(f"{url}/survey").json()["source"] == "agent"
        again = client.post(f"{url}/survey", {"score": 2}, format="json")
        assert again.status_code == 422 and again.json()["code"] == "survey_answered"
        reopened = client.post(f"{url}/reopen", {"reason": "又坏了"}, format="json")
        assert reopened.json()["status"] == "in_progress" and reopened.json()["reopen_count"] == 1

    def test_survey_link_and_public_answer(self, world, api, client):
        ticket = t.ticket(world)
        with org_scope(world.org):
            services.ticket_transition(
                actor=world.agent, ticket=ticket, status="resolved", resolution="远程指导"
            )
            services.ticket_transition(actor=world.agent, ticket=ticket, status="closed")
        link = api(world.agent).post(f"{URL}/{ticket.pk}/survey-link")
        assert link.status_code == 201
        url = link.json()["url"]
        page = client.get(url)
        assert page.status_code == 200 and "工单" in page.content.decode()
        answered = client.post(url, {"score": "4", "comment": "不错"})
        assert answered.status_code == 302
        assert client.get(url).status_code == 404  # one answer per link
        with org_scope(world.org):
            assert ticket.surveys.get().score == 4

    def test_attachments(self, world, api):
        ticket = t.ticket(world)
        client = api(world.agent)
        upload = SimpleUploadedFile("故障.png", b"\x89PNG data", content_type="image/png")
        created = client.post(
            f"{URL}/{ticket.pk}/attachments", {"file": upload}, format="multipart"
        )
        assert created.status_code == 201, created.content
        listing = client.get(f"{URL}/{ticket.pk}/attachments").json()["items"]
        assert [a["original_name"] for a in listing] == ["故障.png"]
        download = client.get(created.json()["download_url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"\x89PNG data"
        bad = client.post(
            f"{URL}/{ticket.pk}/attachments",
            {"file": SimpleUploadedFile("x.exe", b"MZ")},
            format="multipart",
        )
        assert bad.status_code == 400 and "file" in bad.json()["fields"]
        assert client.delete(created.json()["download_url"]).status_code == 204
        assert client.get(f"{URL}/{ticket.pk}/attachments").json()["items"] == []

    def test_readonly_cannot_act(self, world, api):
        ticket = t.ticket(world)
        client = api(world.readonly)
        for path, body in (
            ("assign", {"assignee": world.readonly.pk}),
            ("transition", {"status": "in_progress"}),
            ("replies", {"body": "x"}),
        ):
            assert client.post(f"{URL}/{ticket.pk}/{path}", body, format="json").status_code in (
                403,
                404,
            )
        assert t.reload(world, ticket).status == "new"
        with org_scope(world.org):
            assert not TicketMessage.objects.exists()


def _role(world, name, scope):
    with org_scope(world.org):
        return Role.objects.create(
            org=world.org,
            name=name,
            permissions=["tickets.view", "tickets.edit", "customers.view"],
            data_scopes={
                "tickets": {"scope": scope, "departments": []},
                "customers": {"scope": DataScope.ALL, "departments": []},
            },
        )


class TestDataScope:
    def test_agent_sees_all_and_own_scope_sees_only_theirs(self, world, api):
        own_role = _role(world, "外勤工程师", DataScope.OWN)
        engineer = EmployeeFactory(
            org=world.org, name="孙工", department=world.north, roles=[own_role]
        )
        theirs = t.ticket(world, actor=world.admin, assignee=engineer)
        others = t.ticket(world, actor=world.admin, assignee=world.agent)
        agent_ids = {r["id"] for r in api(world.agent).get(URL).json()["items"]}
        assert agent_ids == {theirs.pk, others.pk}
        client = api(engineer)
        assert [r["id"] for r in client.get(URL).json()["items"]] == [theirs.pk]
        assert client.get(f"{URL}/{others.pk}").status_code == 404
        assert client.get(f"{URL}/{theirs.pk}").status_code == 200
        assert (
            client.post(f"{URL}/{others.pk}/replies", {"body": "x"}, format="json").status_code
            == 404
        )

    def test_other_org_is_404_and_unchanged(self, world, other_world, api):
        foreign = t.ticket(other_world, actor=other_world.admin)
        client = api(world.admin)
        for method, path, body in (
            ("get", "", None),
            ("post", "/transition", {"status": "in_progress"}),
            ("post", "/replies", {"body": "x"}),
            ("post", "/assign", {"assignee": world.admin.pk}),
        ):
            response = getattr(client, method)(f"{URL}/{foreign.pk}{path}", body, format="json")
            assert response.status_code == 404
        assert t.reload(other_world, foreign).status == "new"


class TestCallLookup:
    def test_finds_contact_and_customer_by_number(self, world, api):
        client_row = t.customer(world, name="海淀区第一中学", phone="010-62551234")
        person = t.contact(world, client_row, name="刘老师", mobile="139 1234 5678")
        open_ticket = t.ticket(world, client=client_row)
        item = t.installed(world, client_row)
        with org_scope(world.org):
            workspace_services.activity_create(
                actor=world.admin, customer=client_row, content="回访使用情况"
            )
        response = api(world.agent).get("/api/v1/service/call", {"number": "+86 139-1234-5678"})
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["number"] == "13912345678"
        [match] = data["matches"]
        assert match["customer"]["id"] == client_row.pk
        assert match["contact"]["id"] == person.pk
        assert match["contact"]["mobile"] == "139****5678"  # agents see masked numbers
        assert [t_["id"] for t_ in match["open_tickets"]] == [open_ticket.pk]
        assert [i["id"] for i in match["installed_products"]] == [item.pk]
        assert [a["content"] for a in match["recent_activities"]] == ["回访使用情况"]
        landline = api(world.agent).get("/api/v1/service/call", {"number": "01062551234"}).json()
        assert [m["customer"]["id"] for m in landline["matches"]] == [client_row.pk]
        assert landline["matches"][0]["contact"] is None

    def test_no_match_short_number_and_other_org(self, world, other_world, api):
        foreign = t.customer(other_world, name="别家")
        t.contact(other_world, foreign, mobile="13800001111")
        client = api(world.agent)
        assert client.get("/api/v1/service/call", {"number": "13800001111"}).json()["matches"] == []
        short = client.get("/api/v1/service/call", {"number": "12"})
        assert short.status_code == 400 and "number" in short.json()["fields"]
        assert client.get("/api/v1/service/call").status_code == 400
        assert (
            api(world.rep_a).get("/api/v1/service/call", {"number": "13800001111"}).status_code
            == 403
        )


class TestQueryCounts:
    def _tickets(self, world, n):
        client_row = t.customer(world)
        for index in range(n):
            t.ticket(world, client=client_row, subject=f"问题{index}", assignee=world.agent)
        return client_row

    def test_list_does_not_grow(self, world, api, django_assert_max_num_queries):
        self._tickets(world, 2)
        client = api(world.agent)
        client.get(URL)  # warm caches (content types, dictionaries)
        with django_assert_max_num_queries(12) as few:
            client.get(URL)
        self._tickets(world, 6)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(client.get(URL).json()["items"]) == 8

    def test_detail_and_call(self, world, api, django_assert_max_num_queries):
        client_row = self._tickets(world, 3)
        t.contact(world, client_row, mobile="13600002222")
        ticket = t.ticket(world, client=client_row)
        client = api(world.agent)
        with django_assert_max_num_queries(12):
            assert client.get(f"{URL}/{ticket.pk}").status_code == 200
        client.get("/api/v1/service/call", {"number": "13600002222"})
        with django_assert_max_num_queries(16):
            data = client.get("/api/v1/service/call", {"number": "13600002222"}).json()
        assert len(data["matches"][0]["open_tickets"]) == 4
