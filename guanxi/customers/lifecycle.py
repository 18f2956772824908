"""The churn scan (休眠扫描): new and repeat customers with no purchase for too long
become dormant.

Rules (see docs/*/pool-and-care.md):

* The clock is ``Customer.last_order_on``, set by the first/repeat order events
  (``services.lifecycle_event``). A customer with no recorded order date is never
  moved: the scan cannot know how long it has not bought.
* A new or repeat customer whose last order is more than the org's
  ``churn_threshold_days`` days ago becomes dormant, with a lifecycle history row
  (reason "no purchase"), an audit entry (no actor: the system) and a version bump.
* A stage set in the last ``churn_threshold_days`` days (by hand or by an event)
  holds for that long: a customer moved back to "repeat" by hand is not put back
  to sleep by the next night's scan; it is when the threshold passes again with
  no order.
* Each customer moved gets a win-back care task (唤醒, ``care.care_winback_create``)
  due the day of the scan, for its owner (unassigned for pool customers and those
  without an active owner), unless it still has an open one.
* Idempotent: a dormant customer is no longer a candidate. Every run is logged
  (``LifecycleScan``) so the lifecycle page can say when it last ran.
"""

import datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from guanxi.audit import services as audit
from guanxi.core.tenancy import org_scope
from guanxi.customers import care
from guanxi.customers.models import Customer, LifecycleChange, LifecycleScan
from guanxi.orgs import policy
from guanxi.orgs.models import OrgSettings

BATCH_SIZE = 1000
Stage = Customer.Lifecycle
Reason = LifecycleChange.Reason
SCANNED_STAGES = (Stage.NEW, Stage.REPEAT)
DORMANT = {"lifecycle_stage": Stage.DORMANT}


def _threshold(org_id):
    days = (
        OrgSettings.objects.filter(org_id=org_id)
        .values_list("churn_threshold_days", flat=True)
        .first()
    )
    return 90 if days is None else days


def dormant_candidates(*, cutoff_day, since):
    """New/repeat customers whose last order is before ``cutoff_day`` and whose stage
    did not change since ``since``. Read over the (org, stage, last order) index."""
    recent = LifecycleChange.objects.filter(customer=OuterRef("pk"), created_at__gte=since)
    return Customer.objects.filter(
        lifecycle_stage__in=SCANNED_STAGES, last_order_on__lt=cutoff_day
    ).exclude(Exists(recent))


def lifecycle_churn_scan(*, org, now=None, actor=None, batch_size=BATCH_SIZE):
    """Move ``org``'s new and repeat customers with no purchase for the org's
    ``churn_threshold_days`` days to dormant. Works in batches, each its own
    transaction: one locking select of the batch (with the owners' department and
    status), one UPDATE of the customers, one insert each of history rows, audit
    entries and win-back care tasks — the same queries for one customer as for a
    batch. Logs the run; returns how many customers moved."""
    now = now or timezone.now()
    org_id = getattr(org, "pk", org)
    total = 0
    with org_scope(org_id):
        days = _threshold(org_id)
        cutoff_day = timezone.localdate(now) - datetime.timedelta(days=days)
        candidates = dormant_candidates(
            cutoff_day=cutoff_day, since=now - datetime.timedelta(days=days)
        )
        last_pk = 0
        while True:
            with transaction.atomic():
                # only the customer rows are locked (PostgreSQL refuses to lock the
                # nullable side of the owner join)
                found = list(
                    candidates.select_for_update(of=("self",))
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .values_list("lifecycle_stage", *care.WINBACK_COLUMNS)[:batch_size]
                )
                if not found:
                    break
                rows = [(pk, row_org, name, stage) for stage, pk, row_org, name, *_owner in found]
                last_pk = rows[-1][0]
                ids = [row[0] for row in rows]
                Customer.objects.filter(pk__in=ids).update(
                    lifecycle_stage=Stage.DORMANT, version=F("version") + 1, updated_at=now
                )
                LifecycleChange.objects.bulk_create(
                    [
                        LifecycleChange(
                            org_id=row_org,
                            customer_id=pk,
                            from_stage=stage,
                            to_stage=Stage.DORMANT,
                            reason=Reason.NO_PURCHASE,
                            actor=actor,
                        )
                        for pk, row_org, _name, stage in rows
                    ],
                    batch_size=batch_size,
                )
                audit.record_changes(
                    actor=actor,
                    model=Customer,
                    rows=(
                        (row_org, pk, name, {"lifecycle_stage": stage}, DORMANT)
                        for pk, row_org, name, stage in rows
                    ),
                    batch_size=batch_size,
                )
                care.care_winback_create(
                    customers=[row[1:] for row in found],
                    due_on=timezone.localdate(now),
                    batch_size=batch_size,
                )
                total += len(rows)
            if len(rows) < batch_size:
                break
        LifecycleScan.objects.create(org_id=org_id, threshold_days=days, moved=total, actor=actor)
    return total


def can_run_scan(employee):
    """Who may run the scan at once: those who set the org's parameters (the threshold)."""
    return policy.can(employee, "parameters.edit")


def lifecycle_scan_now(*, actor):
    """Run the churn scan of the actor's org now (who: ``parameters.edit``)."""
    policy.require(actor, "parameters.edit")
    return lifecycle_churn_scan(org=actor.org_id, actor=actor)


def last_scan(*, employee):
    """The org's latest churn scan (or None) and the threshold in force now."""
    policy.require(employee, "customers.view")
    scan = LifecycleScan.objects.select_related("actor").order_by("-id").first()
    return scan, _threshold(employee.org_id)
