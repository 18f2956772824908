"""Ticket services: creation and its validation, the workflow table, replies and the
first response, customer messages, reopening, assignment, optimistic locking, the
recycle bin, files and the satisfaction survey."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import DictionaryEntry
from guanxi.service.tickets import selectors, services
from guanxi.service.tickets.models import Ticket, TicketMessage, TicketSurvey
from guanxi.service.tickets.tests import helpers as t

pytestmark = pytest.mark.django_db
S = Ticket.Status


def _count(world):
    with org_scope(world.org):
        return Ticket.with_deleted.count(), TicketMessage.objects.count()


def _at(world, status, actor=None):
    """A ticket of the agent brought to ``status`` through the services."""
    actor = actor or world.agent
    ticket = t.ticket(world)
    with org_scope(world.org):
        if status == S.NEW:
            return ticket
        if status == S.ASSIGNED:
            return services.ticket_assign(actor=actor, ticket=ticket, assignee=actor)
        ticket = services.ticket_transition(actor=actor, ticket=ticket, status=S.IN_PROGRESS)
        if status == S.IN_PROGRESS:
            return ticket
        if status == S.WAITING:
            return services.ticket_transition(actor=actor, ticket=ticket, status=S.WAITING)
        ticket = services.ticket_transition(
            actor=actor, ticket=ticket, status=S.RESOLVED, resolution="更换密封圈"
        )
        if status == S.RESOLVED:
            return ticket
        return services.ticket_transition(actor=actor, ticket=ticket, status=S.CLOSED)


class TestCreate:
    def test_code_status_and_audit(self, world):
        ticket = t.ticket(world, description="厨房净水器接口处漏水", priority="high")
        assert ticket.code and ticket.status == S.NEW
        assert ticket.created_by == world.agent and ticket.assignee is None
        assert ticket.channel == "phone" and ticket.priority == "high"
        with org_scope(world.org):
            assert ChangeRecord.objects.filter(
                entity="tickets.ticket", object_id=str(ticket.pk), action="create"
            ).exists()

    def test_codes_follow_each_other(self, world):
        first, second = t.ticket(world), t.ticket(world)
        assert first.code != second.code

    def test_with_assignee_is_assigned_by_hand(self, world):
        ticket = t.ticket(world, assignee=world.agent)
        assert ticket.status == S.ASSIGNED
        assert ticket.team == world.service
        assert world.agent.name in ticket.assignment_reason
        assert ticket.assigned_at is not None

    def test_system_creates_without_actor(self, world):
        client = t.customer(world)
        with org_scope(world.org):
            ticket = services.ticket_create(
                actor=None, customer=client, subject="邮件来信", category="consultation",
                channel="email",
            )  # fmt: skip
        assert ticket.created_by is None and ticket.channel == "email"

    def test_contact_and_installed_product_of_the_customer(self, world):
        client = t.customer(world)
        person = t.contact(world, client)
        item = t.installed(world, client)
        ticket = t.ticket(world, client=client, contact=person.pk, installed_product=item.pk)
        assert ticket.contact == person and ticket.installed_product == item
        assert ticket.product_id == item.product_id  # taken from the installed product

    @pytest.mark.parametrize(
        ("fields", "bad"),
        [
            ({"subject": "  "}, "subject"),
            ({"subject": "长" * 201}, "subject"),
            ({"category": "unknown"}, "category"),
            ({"category": ""}, "category"),
            ({"channel": "fax"}, "channel"),
            ({"priority": "asap"}, "priority"),
            ({"product": 999999}, "product"),
            ({"assignee": "abc"}, "assignee"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, world, fields, bad):
        client = t.customer(world)
        before = _count(world)
        body = {"subject": "无法开机", "category": "repair", **fields}
        with org_scope(world.org), pytest.raises(ValidationError) as caught:
            services.ticket_create(actor=world.agent, customer=client, **body)
        assert bad in caught.value.message_dict
        assert _count(world) == before

    def test_contact_and_installed_product_of_another_customer_refused(self, world):
        client, other = t.customer(world), t.customer(world, name="别家公司")
        person = t.contact(world, other)
        item = t.installed(world, other)
        with org_scope(world.org), pytest.raises(ValidationError) as caught:
            services.ticket_create(
                actor=world.agent, customer=client, subject="漏水", category="repair",
                contact=person.pk, installed_product=item.pk,
            )  # fmt: skip
        assert {"contact", "installed_product"} <= set(caught.value.message_dict)

    def test_inactive_category_refused(self, world):
        with org_scope(world.org):
            DictionaryEntry.objects.filter(kind="ticket_category", code="return").update(
                is_active=False
            )
        with pytest.raises(ValidationError):
            t.ticket(world, category="return")

    def test_other_orgs_customer_is_not_found(self, world, other_world):
        foreign = t.customer(other_world)
        with org_scope(world.org), pytest.raises(ValidationError) as caught:
            services.ticket_create(
                actor=world.agent, customer=foreign.pk, subject="x", category="repair"
            )
        assert "customer" in caught.value.message_dict

    def test_needs_create_permission(self, world):
        client = t.customer(world)
        with org_scope(world.org), pytest.raises(PermissionDenied):
            services.ticket_create(
                actor=world.readonly, customer=client, subject="x", category="repair"
            )

    def test_assigning_someone_else_needs_transfer(self, world):
        manager_role_less = world.rep_a  # no ticket permission at all
        with pytest.raises(PermissionDenied):
            t.ticket(world, actor=manager_role_less)


# every (from, to) pair of ``ticket_transition``: allowed ones land, the others are 422
ALLOWED = {
    (S.NEW, S.IN_PROGRESS), (S.NEW, S.RESOLVED),
    (S.ASSIGNED, S.IN_PROGRESS), (S.ASSIGNED, S.WAITING), (S.ASSIGNED, S.RESOLVED),
    (S.IN_PROGRESS, S.WAITING), (S.IN_PROGRESS, S.RESOLVED),
    (S.WAITING, S.IN_PROGRESS), (S.WAITING, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
}  # fmt: skip
PAIRS = [(a, b) for a in S.values for b in S.values if a != b]


class TestWorkflow:
    @pytest.mark.parametrize(("start", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
    def test_transition_table(self, world, start, target):
        ticket = _at(world, start)
        version = ticket.version
        with org_scope(world.org):
            if (start, target) in ALLOWED:
                moved = services.ticket_transition(
                    actor=world.agent, ticket=ticket, status=target, resolution="已处理"
                )
                assert moved.status == target
            else:
                with pytest.raises(BusinessRuleError) as caught:
                    services.ticket_transition(
                        actor=world.agent, ticket=ticket, status=target, resolution="已处理"
                    )
                assert caught.value.code in ("ticket_bad_transition", "ticket_not_resolved")
                after = Ticket.objects.get(pk=ticket.pk)
                assert (after.status, after.version) == (start, version)

    def test_resolving_needs_a_resolution(self, world):
        ticket = _at(world, S.IN_PROGRESS)
        with org_scope(world.org), pytest.raises(ValidationError) as caught:
            services.ticket_transition(actor=world.agent, ticket=ticket, status=S.RESOLVED)
        assert "resolution" in caught.value.message_dict
        assert t.reload(world, ticket).status == S.IN_PROGRESS

    def test_resolve_and_close_set_times(self, world):
        ticket = _at(world, S.CLOSED)
        assert ticket.resolved_at and ticket.closed_at and ticket.resolution == "更换密封圈"
        with org_scope(world.org):
            survey = TicketSurvey.objects.get(ticket=ticket)
        assert survey.closure == 0 and survey.agent == world.agent and survey.score is None

    def test_starting_an_unassigned_ticket_takes_it(self, world):
        ticket = _at(world, S.IN_PROGRESS)
        assert ticket.assignee == world.agent and ticket.team == world.service

    def test_unknown_status_is_a_field_error(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_transition(actor=world.agent, ticket=ticket, status="done")

    def test_readonly_cannot_move(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(PermissionDenied):
            services.ticket_transition(actor=world.readonly, ticket=ticket, status=S.IN_PROGRESS)


class TestReopen:
    @pytest.mark.parametrize("start", [S.RESOLVED, S.CLOSED])
    def test_reopen_counts_and_keeps_a_note(self, world, start):
        ticket = _at(world, start)
        with org_scope(world.org):
            reopened = services.ticket_reopen(actor=world.agent, ticket=ticket, reason="又漏了")
            note = TicketMessage.objects.get(ticket=ticket)
        assert reopened.status == S.IN_PROGRESS and reopened.reopen_count == 1
        assert reopened.resolved_at is None and reopened.closed_at is None
        assert note.kind == "note" and "又漏了" in note.body

    @pytest.mark.parametrize("start", [S.NEW, S.IN_PROGRESS, S.WAITING])
    def test_open_ticket_cannot_be_reopened(self, world, start):
        ticket = _at(world, start)
        with org_scope(world.org), pytest.raises(BusinessRuleError):
            services.ticket_reopen(actor=world.agent, ticket=ticket, reason="x")

    def test_reason_required(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_reopen(actor=world.agent, ticket=ticket, reason=" ")
        assert t.reload(world, ticket).status == S.CLOSED

    def test_second_closure_gets_a_new_survey(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org):
            services.ticket_reopen(actor=world.agent, ticket=ticket, reason="复发")
            services.ticket_transition(
                actor=world.agent, ticket=ticket, status=S.RESOLVED, resolution="换新"
            )
            services.ticket_transition(actor=world.agent, ticket=ticket, status=S.CLOSED)
            closures = sorted(
                TicketSurvey.objects.filter(ticket=ticket).values_list("closure", flat=True)
            )
        assert closures == [0, 1]


class TestConversation:
    def test_first_public_reply_is_the_first_response(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org):
            note = services.ticket_reply(
                actor=world.agent, ticket=ticket, body="查保修", public=False
            )
            after_note = Ticket.objects.get(pk=ticket.pk)
            reply = services.ticket_reply(actor=world.agent, ticket=ticket, body="明天上门")
            after = Ticket.objects.get(pk=ticket.pk)
            services.ticket_reply(actor=world.agent, ticket=ticket, body="师傅已出发")
            again = Ticket.objects.get(pk=ticket.pk)
        assert note.kind == "note" and after_note.first_response_at is None
        assert after_note.status == S.NEW
        assert reply.kind == "reply" and after.first_response_at == reply.created_at
        assert after.status == S.IN_PROGRESS and after.assignee == world.agent
        assert again.first_response_at == reply.created_at

    def test_reply_on_closed_refused_note_allowed(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org):
            with pytest.raises(BusinessRuleError) as caught:
                services.ticket_reply(actor=world.agent, ticket=ticket, body="还好吗")
            assert caught.value.code == "ticket_closed"
            services.ticket_reply(actor=world.agent, ticket=ticket, body="回访记录", public=False)

    def test_empty_reply_refused(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_reply(actor=world.agent, ticket=ticket, body="   ")
        assert _count(world)[1] == 0

    def test_customer_message_on_waiting_goes_back_to_work(self, world):
        ticket = _at(world, S.WAITING)
        with org_scope(world.org):
            message = services.ticket_customer_message(
                ticket=ticket, body="照片发你了", from_address="liu@example.com"
            )
        assert message.kind == "customer" and message.author is None
        assert t.reload(world, ticket).status == S.IN_PROGRESS

    def test_customer_message_reopens_resolved(self, world):
        ticket = _at(world, S.RESOLVED)
        with org_scope(world.org):
            services.ticket_customer_message(ticket=ticket, body="还是漏")
        after = t.reload(world, ticket)
        assert after.status == S.IN_PROGRESS and after.reopen_count == 1

    def test_customer_message_on_closed_refused(self, world):
        ticket = _at(world, S.CLOSED)
        before = _count(world)
        with org_scope(world.org), pytest.raises(BusinessRuleError) as caught:
            services.ticket_customer_message(ticket=ticket, body="又坏了")
        assert caught.value.code == "ticket_closed"
        assert _count(world) == before

    def test_customer_message_keeps_other_statuses(self, world):
        ticket = _at(world, S.IN_PROGRESS)
        with org_scope(world.org):
            services.ticket_customer_message(ticket=ticket, body="补充", channel="phone")
        assert t.reload(world, ticket).status == S.IN_PROGRESS


class TestAssignAndUpdate:
    def test_manual_assignment_says_who_and_why(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org):
            moved = services.ticket_assign(
                actor=world.admin, ticket=ticket, assignee=world.agent, reason="熟悉该型号"
            )
        assert moved.status == S.ASSIGNED and moved.assignee == world.agent
        assert moved.assignment_reason == f"{world.admin.name}手动分配：熟悉该型号"

    def test_assigning_a_closed_ticket_refused(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org), pytest.raises(BusinessRuleError):
            services.ticket_assign(actor=world.admin, ticket=ticket, assignee=world.admin)

    def test_assignee_must_be_active_colleague(self, world, other_world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_assign(actor=world.admin, ticket=ticket, assignee=other_world.admin.pk)

    def test_update_with_stale_version_refused(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org):
            services.ticket_update(
                actor=world.agent, ticket=ticket, version=ticket.version, priority="urgent"
            )
            with pytest.raises(StaleVersion):
                services.ticket_update(
                    actor=world.agent, ticket=ticket, version=ticket.version, subject="改"
                )
        after = t.reload(world, ticket)
        assert after.priority == "urgent" and after.subject == "净水器漏水"

    def test_update_audits_fields(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org):
            services.ticket_update(actor=world.agent, ticket=ticket, subject="滤芯漏水")
            # routing at creation recorded its own update (the queue reason) before this one
            change = (
                ChangeRecord.objects.filter(
                    entity="tickets.ticket", object_id=str(ticket.pk), action="update"
                )
                .order_by("-id")
                .first()
            )
        assert change.changes["subject"] == {"old": "净水器漏水", "new": "滤芯漏水"}

    def test_update_unknown_field_refused(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_update(actor=world.agent, ticket=ticket, status="closed")

    def test_customer_change_drops_the_old_contact(self, world):
        client = t.customer(world)
        person = t.contact(world, client)
        ticket = t.ticket(world, client=client, contact=person)
        other = t.customer(world, name="新客户")
        with org_scope(world.org):
            changed = services.ticket_update(actor=world.agent, ticket=ticket, customer=other.pk)
        assert changed.customer == other and changed.contact is None


class TestRecycleBin:
    def test_delete_and_restore(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org):
            with pytest.raises(PermissionDenied):
                services.ticket_delete(actor=world.agent, ticket=ticket)
            services.ticket_delete(actor=world.admin, ticket=ticket)
            assert not Ticket.objects.filter(pk=ticket.pk).exists()
            with pytest.raises(Http404):
                selectors.access_ticket(world.admin, ticket.pk)
            restored = services.ticket_restore(actor=world.admin, ticket=ticket)
        assert restored.deleted_at is None and restored.version == ticket.version + 1


class TestFiles:
    def test_upload_delete(self, world):
        ticket = _at(world, S.NEW)
        upload = SimpleUploadedFile("漏水照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")
        with org_scope(world.org):
            attachment = services.ticket_attachment_upload(
                actor=world.agent, ticket=ticket, upload=upload
            )
            assert list(selectors.ticket_attachments(ticket=ticket)) == [attachment]
            services.ticket_attachment_delete(actor=world.agent, attachment=attachment)
            assert list(selectors.ticket_attachments(ticket=ticket)) == []

    @pytest.mark.parametrize(
        ("name", "content"), [("a.exe", b"MZ"), ("empty.pdf", b""), ("noext", b"x")]
    )
    def test_bad_files_refused(self, world, name, content):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_attachment_upload(
                actor=world.agent, ticket=ticket, upload=SimpleUploadedFile(name, content)
            )

    def test_readonly_cannot_upload(self, world):
        ticket = _at(world, S.NEW)
        with org_scope(world.org), pytest.raises(PermissionDenied):
            services.ticket_attachment_upload(
                actor=world.readonly, ticket=ticket, upload=SimpleUploadedFile("a.txt", b"x")
            )


class TestSurvey:
    def test_agent_records_once(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org):
            survey = services.ticket_survey_record(
                actor=world.agent, ticket=ticket, score=5, comment="师傅很专业"
            )
            assert survey.source == "agent" and survey.recorded_by == world.agent
            with pytest.raises(BusinessRuleError) as caught:
                services.ticket_survey_record(actor=world.agent, ticket=ticket, score=1)
        assert caught.value.code == "survey_answered"

    def test_not_before_closing(self, world):
        ticket = _at(world, S.RESOLVED)
        with org_scope(world.org), pytest.raises(BusinessRuleError) as caught:
            services.ticket_survey_record(actor=world.agent, ticket=ticket, score=4)
        assert caught.value.code == "ticket_not_closed"

    @pytest.mark.parametrize("score", [0, 6, "abc", None])
    def test_score_range(self, world, score):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org), pytest.raises(ValidationError):
            services.ticket_survey_record(actor=world.agent, ticket=ticket, score=score)

    def test_customer_link_answers_once(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org):
            token = services.ticket_survey_link(actor=world.agent, ticket=ticket)
        assert token.startswith(f"{world.org.pk}-")
        assert services.survey_by_token(token) is not None
        survey = services.survey_answer(token=token, score=4, comment="还行")
        assert survey.score == 4 and survey.source == "customer"
        assert services.survey_by_token(token) is None
        with pytest.raises(BusinessRuleError):
            services.survey_answer(token=token, score=1)
        with org_scope(world.org):
            assert TicketSurvey.objects.get(pk=survey.pk).score == 4

    def test_expired_or_wrong_token(self, world):
        ticket = _at(world, S.CLOSED)
        with org_scope(world.org):
            token = services.ticket_survey_link(actor=world.agent, ticket=ticket, days=0)
        assert services.survey_by_token(token) is None
        assert services.survey_by_token("bad") is None
        assert services.survey_by_token(f"{world.org.pk}-" + "x" * 43) is None
        with pytest.raises(BusinessRuleError):
            services.survey_answer(token=token, score=5)

    def test_agent_scores(self, world):
        for score in (5, 3):
            ticket = _at(world, S.CLOSED)
            with org_scope(world.org):
                services.ticket_survey_record(actor=world.agent, ticket=ticket, score=score)
        with org_scope(world.org):
            scores = selectors.agent_scores(employee=world.admin)
        assert scores[world.agent.pk] == {"average": 4.0, "count": 2}
