"""The handover step the sales documents share (see ``customers.extensions``).

When an employee leaves, their open documents — of the handed-over customers, or all of
them — go to the successor: owner and owner's department change, the version moves on
(an edit form opened before the handover is refused as stale instead of giving the
record back), and each record gets its audit entry. Runs inside the handover's
transaction, with the rows locked.
"""

from collections.abc import Sequence

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord

AUDITED = ("owner", "owner_department")


def hand_over(queryset, *, to_employee, customer_ids: Sequence[int] | None, actor) -> list[int]:
    """Give the records of ``queryset`` (a leaver's open ones) to ``to_employee``, only
    those of ``customer_ids`` unless it is None; returns the ids moved, in id order."""
    if customer_ids is not None:
        queryset = queryset.filter(customer_id__in=list(customer_ids))
    moved = []
    for record in queryset.select_for_update().order_by("pk"):
        before = audit.snapshot(record, AUDITED)
        record.owner = to_employee
        record.owner_department_id = to_employee.department_id
        fields = ["owner", "owner_department", "updated_at"]
        if hasattr(record, "version"):
            record.version += 1
            fields.append("version")
        record.save(update_fields=fields)
        audit.record_change(
            actor=actor,
            instance=record,
            action=ChangeRecord.Action.UPDATE,
            before=before,
            after=audit.snapshot(record, AUDITED),
        )
        moved.append(record.pk)
    return moved
