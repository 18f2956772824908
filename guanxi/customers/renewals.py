"""Renewals and repeat purchases (续约与复购): who is due to renew or re-order in a
period, and where the follow-up of each stands (未定 / 会续约 / 不续约 / 已续约).

Rules (see docs/*/renewals.md):

* Items come from three places: by hand (``renewal_create``), from the nightly
  repeat-purchase run (``renewals_generate``: the customer's ``last_order_on`` plus
  the org's ``repurchase_cycle_days``) and from later modules (contracts, orders…)
  through ``renewal_register`` with their own source reference. Customers never
  import those modules: they call in.
* One item per source reference (a partial unique constraint on ``source_type`` +
  ``source_id``), so registering again or running the nightly job again changes
  nothing. A repeat-purchase item's reference is the customer and its last order
  date: a new order starts a new cycle and so a new item.
* An order event (``services.lifecycle_event``) closes the customer's repeat-purchase
  items made on or before the order day as renewed: the customer bought again.
  Contract renewals are closed by their module or by hand.
* Items follow the customers data scope through the customer's owner and owning
  department, copied onto the item (indexed with the due date); transfers,
  handovers and pool moves update them at once, and the nightly run puts right any
  item whose customer changed hands another way (an edit, an import).
* Status changes are audited and carry the version the editor loaded (stale: 409).
"""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.customers.models import Customer, RenewalItem
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings

Kind = RenewalItem.Kind
Status = RenewalItem.Status
Source = RenewalItem.Source
OPEN_STATUSES = (Status.UNDECIDED, Status.WILL_RENEW)
TITLE_LENGTH = 200
NOTE_LENGTH = 500
SOURCE_TYPE_LENGTH = 40
SOURCE_ID_LENGTH = 64
CYCLE_SOURCE_TYPE = "repurchase_cycle"
# the nightly run makes repeat-purchase items due up to this many days ahead (the
# longest period of the list), and none more than one cycle overdue
HORIZON_DAYS = 90
BATCH_SIZE = 1000
RANGE_MAX_DAYS = 366 * 2
AUDIT_FIELDS = ("status", "note", "due_on")

PERIODS = (
    ("month", gettext_lazy("本月")),
    ("30", gettext_lazy("未来 30 天")),
    ("60", gettext_lazy("未来 60 天")),
    ("90", gettext_lazy("未来 90 天")),
    ("overdue", gettext_lazy("已逾期")),
    ("custom", gettext_lazy("自定义")),
)
PERIOD_CODES = tuple(code for code, _label in PERIODS)
DEFAULT_PERIOD = "30"


# ---- reads ---------------------------------------------------------------------------------


def renewal_queryset(*, employee):
    """Items ``employee`` may see: the customers data scope, by the customer's owner and
    owning department copied onto the item; items of deleted customers are left out."""
    qs = RenewalItem.objects.filter(customer__deleted_at__isnull=True).select_related(
        "customer", "owner"
    )
    return policy.scope_queryset(employee, "customers", qs, owner="owner", department="department")


def access_item(employee, pk, *, write=False):
    """The item if ``employee`` may see it (and edit customers when ``write``); else 404/403."""
    policy.require(employee, "customers.edit" if write else "customers.view")
    try:
        return renewal_queryset(employee=employee).get(pk=int(pk))
    except (RenewalItem.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def _date(value, field, errors):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("请输入有效的日期。"))
        return None


def period_range(period, *, today, start=None, end=None):
    """``(first day, last day)`` of a period of the list; ``overdue`` is ``(None, today - 1)``.
    A custom range needs both ends, in order, at most two years long."""
    if period == "month":
        last = calendar.monthrange(today.year, today.month)[1]
        return today.replace(day=1), today.replace(day=last)
    if period in ("30", "60", "90"):
        return today, today + datetime.timedelta(days=int(period))
    if period == "overdue":
        return None, today - datetime.timedelta(days=1)
    errors: dict[str, list] = {}
    first = _date(start, "start", errors)
    last = _date(end, "end", errors)
    if not errors:
        if first is None:
            errors["start"] = [_("请选择开始日期。")]
        if last is None:
            errors["end"] = [_("请选择结束日期。")]
    if not errors and last < first:
        errors["end"] = [_("结束日期不能早于开始日期。")]
    if not errors and (last - first).days > RANGE_MAX_DAYS:
        errors["end"] = [_("日期范围不能超过 %(n)d 天。") % {"n": RANGE_MAX_DAYS}]
    if errors:
        raise ValidationError(errors, code="invalid")
    return first, last


def clean_filters(params, *, employee, today=None):
    """The list's conditions from query parameters (screen and API alike): ``period``
    (month, 30, 60, 90, overdue, custom with ``start`` and ``end``), ``status``,
    ``kind``, ``owner`` (an employee id, or ``me``), ``customer``. A condition that is
    not understood is refused with every error at once (nothing is half applied)."""
    today = today or timezone.localdate()
    errors: dict[str, list] = {}
    period = params.get("period") or DEFAULT_PERIOD
    if period not in PERIOD_CODES:
        errors["period"] = [_("“%(code)s”不是有效的选项。") % {"code": period}]
        period = DEFAULT_PERIOD
    cleaned = {"period": period, "today": today}
    try:
        cleaned["start"], cleaned["end"] = period_range(
            period, today=today, start=params.get("start"), end=params.get("end")
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, choices in (("status", Status.values), ("kind", Kind.values)):
        value = params.get(field) or ""
        if value and value not in choices:
            errors[field] = [_("“%(code)s”不是有效的选项。") % {"code": value}]
        cleaned[field] = value
    owner = params.get("owner") or ""
    if owner == "me":
        cleaned["owner"] = employee.pk
    elif owner:
        if not (owner.isdigit() and len(owner) < 19):
            errors["owner"] = [_("请选择有效的负责人。")]
        else:
            cleaned["owner"] = int(owner)
    customer = params.get("customer") or ""
    if customer:
        if not (customer.isdigit() and len(customer) < 19):
            errors["customer"] = [_("请选择有效的客户。")]
        else:
            cleaned["customer"] = int(customer)
    if errors:
        raise ValidationError(errors, code="invalid")
    return cleaned


def renewal_period(*, employee, filters):
    """Items of the period and every condition but the status (what the status counts
    are taken over). ``filters`` come from ``clean_filters``."""
    items = renewal_queryset(employee=employee)
    start, end = filters["start"], filters["end"]
    if filters["period"] == "overdue":
        items = items.filter(due_on__lte=end, status__in=OPEN_STATUSES)
    else:
        items = items.filter(due_on__gte=start, due_on__lte=end)
    if filters.get("kind"):
        items = items.filter(kind=filters["kind"])
    if filters.get("owner"):
        items = items.filter(owner_id=filters["owner"])
    if filters.get("customer"):
        items = items.filter(customer_id=filters["customer"])
    return items


def renewal_list(*, employee, filters):
    """The list: the period's items with the status condition, soonest due first."""
    items = renewal_period(employee=employee, filters=filters)
    if filters.get("status"):
        items = items.filter(status=filters["status"])
    return items.order_by("due_on", "id")


def status_counts(*, employee, filters):
    """``{status: count}`` of the period's items (one query), every status present."""
    items = renewal_period(employee=employee, filters=filters).select_related(None)
    counts = items.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in Status.values}
    )
    counts["total"] = sum(counts.values())
    return counts


def customer_items(*, employee, customer, limit=10):
    """A customer's open items (未定 / 会续约), soonest due first, at most ``limit``
    (one query): the customer page's card."""
    return list(
        renewal_queryset(employee=employee)
        .select_related("owner")
        .filter(customer=customer, status__in=OPEN_STATUSES)
        .order_by("due_on", "id")[:limit]
    )


def owner_choices():
    """Active employees to filter by (one query)."""
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE)
        .order_by("name")
        .values_list("pk", "name")[:500]
    )


# ---- writes --------------------------------------------------------------------------------


def _text(value, field, limit, errors, *, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("必须是文本。"))
        return ""
    text = value.strip()
    if required and not text:
        errors.setdefault(field, []).append(_("这个字段是必填项。"))
    if len(text) > limit:
        errors.setdefault(field, []).append(_("不能超过 %(n)d 字。") % {"n": limit})
    return text


def _choice(value, field, choices, errors):
    if value not in choices:
        errors.setdefault(field, []).append(_("“%(code)s”不是有效的选项。") % {"code": value})
        return None
    return value


def _default_title(kind, customer):
    if kind == Kind.RENEWAL:
        return (_("%(customer)s续约") % {"customer": customer.name})[:TITLE_LENGTH]
    return (_("%(customer)s复购") % {"customer": customer.name})[:TITLE_LENGTH]


def _check_customer(actor, customer):
    """The customer must be a live one of the actor's org, in their data scope: the
    rule contacts follow (``services._customer_for``, which imports this module)."""
    from guanxi.customers import services

    services._customer_for(actor, customer)


def _snapshot(item):
    return audit.snapshot(item, AUDIT_FIELDS)


@transaction.atomic
def renewal_create(*, actor, customer, due_on, kind=Kind.REPURCHASE, title="", note=""):
    """An item by hand (who: customers · edit, on a customer in the actor's scope).
    The owner and department are the customer's."""
    policy.require(actor, "customers.edit")
    _check_customer(actor, customer)
    errors: dict[str, list] = {}
    kind = _choice(kind, "kind", Kind.values, errors)
    due = _date(due_on, "due_on", errors)
    if due is None and "due_on" not in errors:
        errors["due_on"] = [_("请选择到期日期。")]
    title = _text(title, "title", TITLE_LENGTH, errors)
    note = _text(note, "note", NOTE_LENGTH, errors)
    if errors:
        raise ValidationError(errors)
    item = RenewalItem.objects.create(
        org_id=actor.org_id,
        customer=customer,
        kind=kind,
        due_on=due,
        source=Source.MANUAL,
        title=title or _default_title(kind, customer),
        note=note,
        owner_id=customer.owner_id,
        department_id=customer.department_id,
        created_by=actor,
    )
    audit.record_change(
        actor=actor, instance=item, action=ChangeRecord.Action.CREATE, after=_snapshot(item)
    )
    return item


def renewal_register(*, customer, kind, due_on, source_type, source_id, title="", actor=None):
    """Register the item a source record calls for (a contract ending, an order to be
    repeated…): the way modules above customers add items. Idempotent per
    ``(source_type, source_id)``: the first call makes the item, later ones move its due
    date and title while it is not renewed, and return it. Returns ``(item, created)``.

    The caller has checked its own permission on the source record; ``actor`` (or None:
    the system) is recorded in the audit log. Locks the existing item's row."""
    errors: dict[str, list] = {}
    source_type = _text(source_type, "source_type", SOURCE_TYPE_LENGTH, errors, required=True)
    source_id = _text(str(source_id) if source_id is not None else "", "source_id",
                      SOURCE_ID_LENGTH, errors, required=True)  # fmt: skip
    kind = _choice(kind, "kind", Kind.values, errors)
    due = _date(due_on, "due_on", errors)
    if due is None and "due_on" not in errors:
        errors["due_on"] = [_("请选择到期日期。")]
    title = _text(title, "title", TITLE_LENGTH, errors)
    if customer is None or customer.deleted_at is not None:
        errors["customer"] = [_("请选择客户。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = (
            RenewalItem.objects.select_for_update()
            .filter(source_type=source_type, source_id=source_id)
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    item = RenewalItem.objects.create(
                        org_id=customer.org_id,
                        customer=customer,
                        kind=kind,
                        due_on=due,
                        source=Source.CYCLE if source_type == CYCLE_SOURCE_TYPE else Source.MODULE,
                        source_type=source_type,
                        source_id=source_id,
                        title=title or _default_title(kind, customer),
                        owner_id=customer.owner_id,
                        department_id=customer.department_id,
                        created_by=actor,
                    )
            except IntegrityError:  # registered at the same moment by another call
                existing = RenewalItem.objects.select_for_update().get(
                    source_type=source_type, source_id=source_id
                )
            else:
                audit.record_change(
                    actor=actor,
                    instance=item,
                    action=ChangeRecord.Action.CREATE,
                    after=_snapshot(item),
                )
                return item, True
        if existing.status == Status.RENEWED:
            return existing, False
        before = _snapshot(existing)
        changed = existing.due_on != due or (title and existing.title != title)
        if changed:
            existing.due_on = due
            existing.title = title or existing.title
            existing.version += 1
            existing.save(update_fields=["due_on", "title", "version", "updated_at"])
            audit.record_change(
                actor=actor,
                instance=existing,
                action=ChangeRecord.Action.UPDATE,
                before=before,
                after=_snapshot(existing),
            )
        return existing, False


@transaction.atomic
def renewal_update(*, actor, item, version=None, status=None, note=None, due_on=None):
    """Set the follow-up status (未定 / 会续约 / 不续约 / 已续约) with a note, or move
    the due date (who: customers · edit, on an item in the actor's scope). ``version``
    is the one the editor loaded: a stale one is refused (409) and nothing changes.
    Setting 已续约 stamps ``closed_at``; leaving it clears it."""
    policy.require(actor, "customers.edit")
    if not renewal_queryset(employee=actor).filter(pk=item.pk).exists():
        raise Http404
    errors: dict[str, list] = {}
    if status is not None:
        _choice(status, "status", Status.values, errors)
    if note is not None:
        note = _text(note, "note", NOTE_LENGTH, errors)
    due = None
    if due_on is not None:
        due = _date(due_on, "due_on", errors)
        if due is None and "due_on" not in errors:
            errors["due_on"] = [_("请选择到期日期。")]
    if errors:
        raise ValidationError(errors)
    item = lock_for_update(RenewalItem, item.pk, expected_version=version)
    before = _snapshot(item)
    if status is not None and status != item.status:
        item.closed_at = timezone.now() if status == Status.RENEWED else None
        item.status = status
    if note is not None:
        item.note = note
    if due is not None:
        item.due_on = due
    audit.save_if_changed(actor=actor, instance=item, before=before, after=_snapshot(item))
    return item


@transaction.atomic
def renewal_delete(*, actor, item):
    """Remove an item entered by mistake (who: customers · delete, in the actor's scope),
    with an audit entry. An item a module registered comes back if it registers again."""
    policy.require(actor, "customers.delete")
    if not renewal_queryset(employee=actor).filter(pk=item.pk).exists():
        raise Http404
    item = lock_for_update(RenewalItem, item.pk)
    audit.record_change(
        actor=actor, instance=item, action=ChangeRecord.Action.DELETE, before=_snapshot(item)
    )
    item.delete()


def renewals_close_on_order(*, customer_id, day, now=None):
    """A first or repeat order on ``day``: the customer's repeat-purchase items made on or
    before that day and not yet renewed become renewed (no actor: the system), each with
    an audit entry and a version bump. Called by ``services.lifecycle_event`` inside its
    transaction (the customer row is locked). Returns how many closed."""
    now = now or timezone.now()
    day_end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    items = list(
        RenewalItem.objects.select_for_update()
        .filter(customer_id=customer_id, kind=Kind.REPURCHASE, created_at__lt=day_end)
        .exclude(status=Status.RENEWED)
        .only("pk", "org_id", "title", "status")
    )
    if not items:
        return 0
    RenewalItem.objects.filter(pk__in=[item.pk for item in items]).update(
        status=Status.RENEWED, closed_at=now, version=F("version") + 1, updated_at=now
    )
    audit.record_changes(
        actor=None,
        model=RenewalItem,
        rows=(
            (item.org_id, item.pk, item.title, {"status": item.status},
             {"status": Status.RENEWED.value})
            for item in items
        ),
    )  # fmt: skip
    return len(items)


def renewals_follow_owner(customer_ids, owner):
    """The items of ``customer_ids`` now belong to ``owner`` (None: the pool) and the
    owner's department, as their customers do. One UPDATE. Called where customers change
    hands (transfer, handover, pool)."""
    return RenewalItem.objects.filter(customer_id__in=list(customer_ids)).update(
        owner=owner, department_id=owner.department_id if owner is not None else None
    )


def renewals_resync_owners():
    """Items whose owner or department differs from their customer's (a customer that
    changed hands through an edit or an import) take the customer's. Two UPDATEs."""
    customer = Customer.with_deleted.filter(pk=OuterRef("customer_id"))
    for field in ("owner", "department"):
        column = f"{field}_id"
        other = f"customer__{column}"
        stale = (
            Q(**{f"{column}__isnull": True, f"{other}__isnull": False})
            | Q(**{f"{column}__isnull": False, f"{other}__isnull": True})
            | (~Q(**{column: F(other)}) & Q(**{f"{column}__isnull": False}))
        )
        RenewalItem.objects.filter(stale).update(**{column: Subquery(customer.values(column)[:1])})


def _cycle_days(org_id):
    days = (
        OrgSettings.objects.filter(org_id=org_id)
        .values_list("repurchase_cycle_days", flat=True)
        .first()
    )
    return days or 0


def repurchase_candidates(*, cycle_days, today):
    """Customers (not in the pool) whose next order is due from one cycle ago up to
    ``HORIZON_DAYS`` ahead: their last order plus ``cycle_days``."""
    cycle = datetime.timedelta(days=cycle_days)
    return Customer.objects.filter(
        in_pool=False,
        last_order_on__gte=today - cycle - cycle,
        last_order_on__lte=today + datetime.timedelta(days=HORIZON_DAYS) - cycle,
    )


def renewals_generate(*, org, today=None, batch_size=BATCH_SIZE):
    """The nightly run of ``org``: put right the items' owners (``renewals_resync_owners``),
    then make the repeat-purchase items the org's ``repurchase_cycle_days`` calls for
    (none when it is 0). Keyset batches over customers, each one SELECT and one bulk
    INSERT in its own transaction; the unique source reference (customer and last order
    date) makes reruns harmless. Returns how many items were new."""
    today = today or timezone.localdate()
    org_id = getattr(org, "pk", org)
    created = 0
    with org_scope(org_id):
        with transaction.atomic():
            renewals_resync_owners()
        days = _cycle_days(org_id)
        if not days:
            return 0
        candidates = repurchase_candidates(cycle_days=days, today=today)
        cycle = datetime.timedelta(days=days)
        last_pk = 0
        while True:
            rows = list(
                candidates.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "name", "last_order_on", "owner_id", "department_id")[
                    :batch_size
                ]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            keys = {pk: f"{pk}:{last_order.isoformat()}" for pk, _n, last_order, _o, _d in rows}
            with transaction.atomic():
                existing = RenewalItem.objects.filter(
                    source_type=CYCLE_SOURCE_TYPE, source_id__in=list(keys.values())
                ).count()
                RenewalItem.objects.bulk_create(
                    [
                        RenewalItem(
                            org_id=org_id,
                            customer_id=pk,
                            kind=Kind.REPURCHASE,
                            due_on=last_order + cycle,
                            source=Source.CYCLE,
                            source_type=CYCLE_SOURCE_TYPE,
                            source_id=keys[pk],
                            title=(_("%(customer)s复购") % {"customer": name})[:TITLE_LENGTH],
                            owner_id=owner_id,
                            department_id=department_id,
                        )
                        for pk, name, last_order, owner_id, department_id in rows
                    ],
                    batch_size=batch_size,
                    ignore_conflicts=True,
                )
                created += len(rows) - existing
            if len(rows) < batch_size:
                break
    return created


def renewals_run_now(*, actor):
    """Run the nightly repeat-purchase run of the actor's org now (who: those who set the
    org's parameters, the cycle)."""
    policy.require(actor, "parameters.edit")
    return renewals_generate(org=actor.org_id)


# ---- merge ---------------------------------------------------------------------------------


def _count_for_merge(customer_ids):
    return RenewalItem.objects.filter(customer_id__in=list(customer_ids)).count()


def _move_for_merge(customer_ids, survivor, actor):
    """A merge: the merged customers' items go to the survivor, with its owner."""
    return RenewalItem.objects.filter(customer_id__in=list(customer_ids)).update(
        customer=survivor, owner_id=survivor.owner_id, department_id=survivor.department_id
    )


def register():
    """Called once at start-up: merges move renewal items like other related records."""
    from guanxi.customers import extensions

    extensions.register_related(
        extensions.Related(
            key="renewal_items",
            label=gettext_lazy("续约/复购事项"),
            count=_count_for_merge,
            move=_move_for_merge,
            order=50,
        )
    )
