"""Audit rows for tests: real ones through services, or written directly."""

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord, ExportRecord, LoginRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import services as orgs


def rename_department(actor, department, name):
    """A real UPDATE record (through the orgs service)."""
    with org_scope(actor.org_id):
        return orgs.department_update(actor=actor, department=department, name=name)


def change(
    org,
    *,
    entity="orgs.department",
    object_id="1",
    action="update",
    changes=None,
    actor=None,
    object_repr="样本",
):
    with all_orgs():
        return ChangeRecord.objects.create(
            org=org,
            actor=actor,
            actor_name=str(actor) if actor else "",
            entity=entity,
            object_id=str(object_id),
            object_repr=object_repr,
            action=action,
            changes=changes if changes is not None else {"name": {"old": "旧", "new": "新"}},
        )


def login(org, *, username="rep_a", success=True, reason="", channel="web", ip="10.0.0.1"):
    with all_orgs():
        return audit.record_login(
            org_id=org.pk,
            user=None,
            username=username,
            success=success,
            reason=reason,
            channel=channel,
            ip=ip,
            user_agent="Mozilla/5.0 Test",
        )


def export(actor, *, entity="orgs.employee", row_count=12):
    with all_orgs():
        return audit.record_export(
            actor=actor,
            entity=entity,
            row_count=row_count,
            file_format="csv",
            filters={"status": "active"},
        )


def all_exports():
    with all_orgs():
        return list(ExportRecord.objects.order_by("id"))


def all_logins():
    with all_orgs():
        return list(LoginRecord.objects.order_by("id"))
