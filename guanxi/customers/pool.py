"""The public pool (公海): customers nobody owns, that any rep may claim.

Rules (see docs/*/pool-and-care.md):

* A customer is in the pool when ``in_pool`` is set; it then has no owner and no
  owning department (the pool belongs to nobody, so the normal list's data scope
  shows it only to those who see every customer). The pool screens show pool
  customers to every employee with ``customers.view``.
* It gets there by hand (its owner, or a pool manager, gives it back with a
  reason) or automatically: an owned customer whose newest follow-up and whose
  current owner's start (``owner_since``) are both older than
  ``pool_return_days`` days returns to the pool.
* Claim limit: a rep may hold at most ``pool_claim_limit`` customers that they
  claimed from the pool and still own. A claim is all or nothing: if it would
  pass the limit, or one of the customers was just taken by someone else,
  nothing is claimed.
* A pool manager (``special.manage_pool``) may assign pool customers to anyone;
  assigned customers do not count against the limit.
* Every move is a ``PoolEvent`` and an audit entry of the customer (owner,
  owning department, in pool), the automatic return's too (its actor is the
  system). Both are written in bulk: a move costs the same number of queries
  for one customer as for a thousand.
* Contacts and open care tasks follow the customer: those the previous owner
  held become unowned (unassigned) in the pool; on claim or assignment the
  unowned contacts and the unassigned open care tasks go to the new owner,
  except care tasks whose day passed while the customer was in the pool: those
  are cancelled (a late birthday greeting is no greeting).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.customers import indexing, renewals
from guanxi.customers.models import CareTask, Contact, Customer, PoolEvent
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee, OrgSettings

BATCH_SIZE = 1000
MAX_IDS = 1000
REASON_LENGTH = 300
Action = PoolEvent.Action


def _settings(org_id):
    return OrgSettings.objects.get(org_id=org_id)


def _ids(customer_ids):
    try:
        ids = sorted({int(pk) for pk in customer_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"ids": [_("客户编号无效。")]}, code="invalid") from exc
    if not ids:
        raise ValidationError({"ids": [_("请至少选择一个客户。")]}, code="required")
    if len(ids) > MAX_IDS:
        raise ValidationError(
            {"ids": [_("一次最多处理 %(n)d 个客户。") % {"n": MAX_IDS}]}, code="too_many"
        )
    return ids


def _check_employee(actor, employee, field):
    if employee is None or employee.org_id != actor.org_id or not employee.is_active:
        raise ValidationError({field: [_("负责人必须是本组织的在职员工。")]}, code="invalid")


# ---- reads ---------------------------------------------------------------------------------


def pool_queryset(*, employee):
    """Customers in the pool: visible to everyone with ``customers.view``, whatever
    their data scope. Each carries ``last_action`` and ``last_reason``: why it is here."""
    policy.require(employee, "customers.view")
    latest = PoolEvent.objects.filter(customer=OuterRef("pk")).order_by("-id")
    return Customer.objects.filter(in_pool=True, owner__isnull=True).annotate(
        last_action=Subquery(latest.values("action")[:1]),
        last_reason=Subquery(latest.values("reason")[:1]),
    )


def pool_events(*, employee, customer=None):
    """The pool log. Pool managers and all-scope viewers see every event; others the
    events of customers in the pool, that they own, or that they took part in."""
    policy.require(employee, "customers.view")
    events = PoolEvent.objects.select_related("customer", "employee", "previous_owner", "new_owner")
    if customer is not None:
        events = events.filter(customer=customer)
    if policy.can(employee, "special.manage_pool"):
        return events
    visible = policy.visible_q(employee, "customers", owner="customer__owner",
                               department="customer__department")  # fmt: skip
    if visible is None:
        return events
    mine = Q(employee=employee) | Q(previous_owner=employee) | Q(new_owner=employee)
    return events.filter(visible | mine | Q(customer__in_pool=True))


def claimed_count(*, employee):
    """How many customers ``employee`` claimed from the pool and still owns."""
    return Customer.objects.filter(owner=employee, claimed_by=employee).count()


def claim_room(*, employee):
    """``(limit, held)`` of the claim limit for ``employee``."""
    return _settings(employee.org_id).pool_claim_limit, claimed_count(employee=employee)


def can_release(employee, customer):
    if customer.in_pool or customer.owner_id is None:
        return False
    if customer.owner_id == employee.pk and policy.can(employee, "customers.view"):
        return True
    return policy.can(employee, "special.manage_pool") and policy.can_see_record(
        employee, "customers", customer, department="department"
    )


# ---- writes --------------------------------------------------------------------------------


def _let_go(customer_ids):
    """Before customers enter the pool: the contacts and open care tasks their owner
    holds become unowned/unassigned. Two UPDATEs, however many customers and owners."""
    Contact.objects.filter(customer_id__in=customer_ids, owner=F("customer__owner")).update(
        owner=None, owner_department=None
    )
    CareTask.objects.filter(
        customer_id__in=customer_ids, status=CareTask.Status.OPEN, assignee=F("customer__owner")
    ).update(assignee=None, assignee_department=None)
    renewals.renewals_follow_owner(customer_ids, None)


def _hand_to(customer_ids, owner, now):
    """After customers left the pool: unowned contacts and unassigned open care tasks
    go to ``owner``; care tasks whose day passed while nobody owned the customer are
    cancelled. Three UPDATEs."""
    Contact.objects.filter(customer_id__in=customer_ids, owner__isnull=True).update(
        owner=owner, owner_department_id=owner.department_id
    )
    open_tasks = CareTask.objects.filter(
        customer_id__in=customer_ids, status=CareTask.Status.OPEN, assignee__isnull=True
    )
    today = timezone.localdate(now)
    open_tasks.filter(due_on__lt=today).update(
        status=CareTask.Status.CANCELLED,
        note=Case(When(note="", then=Value(_("客户在公海期间已过期"))), default=F("note")),
        updated_at=now,
    )
    open_tasks.filter(due_on__gte=today).update(
        assignee=owner, assignee_department_id=owner.department_id, updated_at=now
    )
    renewals.renewals_follow_owner(customer_ids, owner)


def _into_pool(customer_ids, now):
    return Customer.objects.filter(pk__in=customer_ids).update(
        owner=None,
        department=None,
        in_pool=True,
        pool_entered_at=now,
        claimed_by=None,
        owner_since=now,
        version=F("version") + 1,
        updated_at=now,
    )


def _named(model, ids):
    """``{id: {"id", "repr"}}`` of the given employees or departments (one query), the
    form audit snapshots store foreign keys in."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    rows = model.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: {"id": pk, "repr": name} for pk, name in rows}


def _audit_moves(actor, rows, *, into_pool):
    """One audit entry per customer for a move into (``into_pool``) or out of the pool,
    inserted in bulk: ``rows`` are ``(pk, org_id, name, owner_id, department_id)`` of
    the owned side (before entering the pool, after leaving it). Like
    ``audit.record_change`` with the owner, owning department and pool flag; the
    automatic return has no actor (the history shows the system)."""
    rows = list(rows)
    owners = _named(Employee, (row[3] for row in rows))
    departments = _named(Department, (row[4] for row in rows))
    pooled = {"owner": None, "department": None, "in_pool": True}

    def moves():
        for pk, org_id, name, owner_id, department_id in rows:
            owned = {
                "owner": owners.get(owner_id),
                "department": departments.get(department_id),
                "in_pool": False,
            }
            before, after = (owned, pooled) if into_pool else (pooled, owned)
            yield org_id, pk, name, before, after

    audit.record_changes(actor=actor, model=Customer, rows=moves(), batch_size=BATCH_SIZE)


@transaction.atomic
def pool_release(*, actor, customer_ids, reason):
    """Give customers back to the pool (放弃/退回): the owner their own ones, a pool
    manager any in their data scope. All or nothing. Returns the count."""
    policy.require(actor, "customers.view")
    ids = _ids(customer_ids)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回公海的原因。")]}, code="required")
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            {"reason": [_("原因不能超过 %(n)d 字。") % {"n": REASON_LENGTH}]}, code="too_long"
        )
    customers = list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(customers) != len(ids):
        raise ValidationError({"ids": [_("部分客户不存在，未做任何退回。")]}, code="not_found")
    if any(c.in_pool or c.owner_id is None for c in customers):
        raise BusinessRuleError(_("部分客户已在公海中，未做任何退回。"), code="already_in_pool")
    if not all(can_release(actor, c) for c in customers):
        raise PermissionDenied(_("只能退回自己负责的客户；退回他人的客户需要“管理公海”权限。"))
    now = timezone.now()
    _let_go(ids)
    _into_pool(ids, now)
    PoolEvent.objects.bulk_create(
        PoolEvent(
            org_id=actor.org_id,
            customer_id=c.pk,
            action=Action.RELEASE,
            employee=actor,
            previous_owner_id=c.owner_id,
            reason=reason,
        )
        for c in customers
    )
    _audit_moves(
        actor,
        ((c.pk, c.org_id, c.name, c.owner_id, c.department_id) for c in customers),
        into_pool=True,
    )
    indexing.index_customers(ids)  # the search index scopes by owner and department
    return len(customers)


def _take(actor, ids, owner, *, claimed, action, reason=""):
    """Move pool customers ``ids`` to ``owner``; refuses (nothing changes) unless all
    of them are still in the pool."""
    now = timezone.now()
    taken = Customer.objects.filter(pk__in=ids, in_pool=True, owner__isnull=True).update(
        owner=owner,
        department_id=owner.department_id,
        in_pool=False,
        pool_entered_at=None,
        claimed_by=owner if claimed else None,
        owner_since=now,
        version=F("version") + 1,
        updated_at=now,
    )
    if taken != len(ids):
        raise BusinessRuleError(
            _("部分客户已不在公海中（可能刚被他人领取），未做任何操作。"), code="not_in_pool"
        )
    _hand_to(ids, owner, now)
    PoolEvent.objects.bulk_create(
        PoolEvent(
            org_id=actor.org_id,
            customer_id=pk,
            action=action,
            employee=actor,
            new_owner=owner,
            reason=reason,
        )
        for pk in ids
    )
    names = Customer.objects.filter(pk__in=ids).values_list("pk", "org_id", "name")
    _audit_moves(
        actor,
        ((pk, org_id, name, owner.pk, owner.department_id) for pk, org_id, name in names),
        into_pool=False,
    )
    indexing.index_customers(ids)
    return len(ids)


@transaction.atomic
def pool_claim(*, actor, customer_ids):
    """Claim pool customers (领取). Claims of one rep are serialised (their employee
    row is locked), so two claims at once cannot pass the limit together."""
    policy.require(actor, "customers.edit")
    ids = _ids(customer_ids)
    Employee.objects.select_for_update().filter(pk=actor.pk).first()
    limit = _settings(actor.org_id).pool_claim_limit
    held = claimed_count(employee=actor)
    if held + len(ids) > limit:
        raise BusinessRuleError(
            _(
                "每人最多持有 %(limit)d 个从公海领取的客户，您已持有 %(held)d 个，"
                "还可领取 %(left)d 个；本次选择了 %(n)d 个，未领取任何客户。"
            )
            % {"limit": limit, "held": held, "left": max(0, limit - held), "n": len(ids)},
            code="claim_limit",
        )
    return _take(actor, ids, actor, claimed=True, action=Action.CLAIM)


@transaction.atomic
def pool_assign(*, actor, customer_ids, to_employee, reason=""):
    """A pool manager gives pool customers to an employee (分配); no claim limit."""
    policy.require(actor, "special.manage_pool")
    ids = _ids(customer_ids)
    _check_employee(actor, to_employee, "owner")
    return _take(
        actor, ids, to_employee, claimed=False, action=Action.ASSIGN,
        reason=(reason or "").strip()[:REASON_LENGTH],
    )  # fmt: skip


def overdue_q(cutoff):
    """Owned customers whose newest follow-up and owner's start are older than ``cutoff``."""
    return Q(
        owner__isnull=False,
        in_pool=False,
        owner_since__lt=cutoff,
    ) & (Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=cutoff))


def pool_auto_return(*, org, now=None, batch_size=BATCH_SIZE):
    """Return every customer of ``org`` not followed up for ``pool_return_days`` days
    to the pool (自动回收). Works in batches, each its own transaction: one select
    over the partial (org, owner_since) index, the UPDATEs of contacts, care tasks
    and customers, the names of the previous owners and departments, one insert of
    events and one of audit entries, the search index's refresh — the same queries
    for one customer as for a batch. Returns how many customers went back."""
    now = now or timezone.now()
    total = 0
    with org_scope(org):
        days = _settings(getattr(org, "pk", org)).pool_return_days
        cutoff = now - datetime.timedelta(days=days)
        reason = _("超过 %(days)d 天未跟进") % {"days": days}
        last_pk = 0
        while True:
            with transaction.atomic():
                rows = list(
                    Customer.objects.select_for_update()
                    .filter(overdue_q(cutoff), pk__gt=last_pk)
                    .order_by("pk")
                    .values_list("pk", "org_id", "name", "owner_id", "department_id")[:batch_size]
                )
                if not rows:
                    break
                last_pk = rows[-1][0]
                ids = [row[0] for row in rows]
                _let_go(ids)
                _into_pool(ids, now)
                PoolEvent.objects.bulk_create(
                    PoolEvent(
                        org_id=org_id,
                        customer_id=pk,
                        action=Action.AUTO_RETURN,
                        previous_owner_id=owner_id,
                        reason=reason,
                    )
                    for pk, org_id, _name, owner_id, _department in rows
                )
                _audit_moves(None, rows, into_pool=True)
                indexing.index_customers(ids)
                total += len(rows)
            if len(rows) < batch_size:
                break
    return total


def pool_run_now(*, actor):
    """A pool manager runs today's automatic return at once."""
    policy.require(actor, "special.manage_pool")
    return pool_auto_return(org=actor.org_id)
