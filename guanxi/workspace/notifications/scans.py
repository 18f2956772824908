"""The periodic reminder scans. Each is idempotent through ``notify``'s ``event_key``:
however often it runs, an event is notified once.

* Follow-ups overdue (跟进逾期): a live follow-up whose "next follow-up date" has passed
  and after which nobody recorded another follow-up of the same record (customer,
  contact or any registered record type), to its owner;
  once per follow-up and planned date. Dates older than ``FOLLOWUP_LOOKBACK_DAYS`` are
  left alone (the first run on old data must not flood everyone).
* Birthdays (生日提醒): contacts' birthdays from today to the org's
  ``birthday_reminder_days`` ahead (the window customer care computes), to the
  contact's owner (else the customer's); once per contact and year.
* Cooperation anniversaries (合作纪念日, kind ``anniversary``): customers whose
  registration day (``registered_on``) comes round again in the same window, one year
  or more after it, to the customer's owner; once per customer and year. Customers in
  the pool, without an owner, with an owner who left, or in the recycle bin are left
  alone. Read through the indexed month-day column ``anniversary_md`` in batches.
* Renewals and repeat purchases (续约提醒, kind ``renewal``): items still undecided or
  "will renew" whose due date falls from today to the org's ``renewal_reminder_days``
  ahead, to the item's owner (the customer's), once per item and due date (a moved due
  date reminds again). Items of customers in the pool or the recycle bin are left alone.
* Churn risk (流失预警, kind ``churn_risk``): customers the nightly churn scan made
  dormant (no purchase for the org's ``churn_threshold_days``) within the last
  ``CHURN_LOOKBACK_DAYS`` days' worth of last-order dates, still dormant, to the
  owner, once per customer and last order date (a customer who buys again and later
  lapses again is another event). The win-back care task is made by the churn scan.

Titles are lazy: ``notify`` writes each in its recipient's language.
"""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.tenancy import org_scope
from guanxi.customers import care
from guanxi.customers.models import Contact, Customer, RenewalItem
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.workspace import selectors as workspace_selectors
from guanxi.workspace.models import Activity
from guanxi.workspace.notifications.services import lazy_text, notify

FOLLOWUP_LOOKBACK_DAYS = 30
CHURN_LOOKBACK_DAYS = 7
BATCH = 500


def _customer_link(customer_id):
    return reverse("customers:customer_detail", args=[customer_id])


def overdue_followups(*, today):
    """Live follow-ups overdue on ``today`` (planned date passed, no later follow-up on
    the same record: the follow-ups' own rule) whose owner is still here."""
    planned = Activity.objects.annotate(superseded=workspace_selectors.superseded())
    return (
        workspace_selectors.open_followups(planned)
        .filter(
            next_followup_on__lt=today,
            next_followup_on__gte=today - datetime.timedelta(days=FOLLOWUP_LOOKBACK_DAYS),
            owner__status=Employee.Status.ACTIVE,
        )
        .select_related("customer", "contact")
        .order_by("id")
    )


def _batches(queryset, size=BATCH):
    batch = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def scan_followups_overdue(*, org, today=None):
    """Notify owners of their overdue follow-ups; returns how many were new. A follow-up
    whose record is gone or in the recycle bin is left alone."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        for batch in _batches(overdue_followups(today=today)):
            for activity in workspace_selectors.attach_targets(batch):
                record = activity.target_record
                planned = activity.next_followup_on
                if planned is None or record is None or getattr(record, "deleted_at", None):
                    continue
                title = lazy_text(
                    _("跟进逾期：%(record)s（计划 %(date)s）"),
                    record=record,
                    date=planned.isoformat(),
                )
                created += len(
                    notify(
                        recipients=[activity.owner_id],
                        kind="follow_up_overdue",
                        title=title,
                        body=activity.next_followup_note or activity.subject,
                        link=activity.target_link,
                        target=activity,
                        event_key=f"activity:{activity.pk}:{planned.isoformat()}",
                    )
                )
    return created


def _window(today):
    """``{month-day: date}`` from ``today`` to the org's ``birthday_reminder_days`` ahead
    (the parameter and window customer care uses; 3 days when unset)."""
    days = OrgSettings.objects.values_list("birthday_reminder_days", flat=True).first()
    return care.window(today, 3 if days is None else days)


def scan_birthdays(*, org, today=None):
    """Notify owners of their contacts' coming birthdays; returns how many were new."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        dates = _window(today)
        contacts = (
            Contact.objects.filter(birthday_md__in=sorted(dates), customer__deleted_at__isnull=True)
            .select_related("customer", "owner", "customer__owner")
            .order_by("id")
        )
        for contact in contacts.iterator(chunk_size=500):
            owner = contact.owner or contact.customer.owner
            if owner is None or not owner.is_active:
                continue
            day = dates[contact.birthday_md]
            created += len(
                notify(
                    recipients=[owner],
                    kind="birthday",
                    title=lazy_text(
                        _("%(name)s（%(customer)s）%(date)s 生日"),
                        name=contact.name,
                        customer=contact.customer.name,
                        date=day.strftime("%m-%d"),
                    ),
                    link=_customer_link(contact.customer_id),
                    target=contact,
                    event_key=f"contact:{contact.pk}:{day.year}",
                )
            )
    return created


def coming_anniversaries(*, dates):
    """Live customers with an active owner, out of the pool, whose registration month-day
    is one of ``dates`` (``{month-day: date}``) and registered before the latest year of
    the window (the exact "one year or more" is checked per row). Only the columns the
    notification needs."""
    latest = max(dates.values())
    return (
        Customer.objects.filter(
            anniversary_md__in=sorted(dates),
            in_pool=False,
            owner__isnull=False,
            owner__status=Employee.Status.ACTIVE,
            registered_on__lt=datetime.date(latest.year, 1, 1),
        )
        .only("id", "name", "registered_on", "anniversary_md", "owner_id")
        .order_by("id")
    )


def scan_anniversaries(*, org, today=None):
    """Notify owners of their customers' coming cooperation anniversaries (合作纪念日);
    returns how many were new. Reads the customers in batches of ``BATCH``; each
    anniversary costs ``notify``'s fixed few queries, whatever the org's size."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        dates = _window(today)
        for batch in _batches(coming_anniversaries(dates=dates)):
            for customer in batch:
                day = dates[customer.anniversary_md]
                years = day.year - customer.registered_on.year
                if years < 1:
                    continue
                created += len(
                    notify(
                        recipients=[customer.owner_id],
                        kind="anniversary",
                        title=lazy_text(
                            _("%(customer)s %(date)s 合作 %(years)d 周年"),
                            customer=customer.name,
                            date=day.strftime("%m-%d"),
                            years=years,
                        ),
                        link=_customer_link(customer.pk),
                        target=customer,
                        event_key=f"customer:{customer.pk}:{day.year}",
                    )
                )
    return created


def coming_renewals(*, today, days):
    """Open renewal and repeat-purchase items (undecided or "will renew") due from
    ``today`` to ``days`` ahead, of live customers out of the pool, whose owner is still
    here; read through the org's due-date index, only the columns a reminder needs."""
    return (
        RenewalItem.objects.filter(
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=days),
            status__in=(RenewalItem.Status.UNDECIDED, RenewalItem.Status.WILL_RENEW),
            customer__deleted_at__isnull=True,
            customer__in_pool=False,
            owner__status=Employee.Status.ACTIVE,
        )
        .select_related("customer")
        .only("id", "kind", "due_on", "title", "owner_id", "customer__id", "customer__name")
        .order_by("due_on", "id")
    )


def scan_renewals(*, org, today=None):
    """Notify owners of their customers' renewals and repeat purchases coming due;
    returns how many were new."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        days = OrgSettings.objects.values_list("renewal_reminder_days", flat=True).first()
        days = 30 if days is None else days
        for batch in _batches(coming_renewals(today=today, days=days)):
            for item in batch:
                title = lazy_text(
                    _("%(customer)s %(kind)s到期：%(date)s"),
                    customer=item.customer.name,
                    kind=RenewalItem.Kind(item.kind).label,
                    date=item.due_on.isoformat(),
                )
                created += len(
                    notify(
                        recipients=[item.owner_id],
                        kind="renewal",
                        title=title,
                        body=item.title,
                        link=_customer_link(item.customer_id),
                        target=item,
                        event_key=f"renewal:{item.pk}:{item.due_on.isoformat()}",
                    )
                )
    return created


def lapsed_customers(*, today, days):
    """Dormant customers out of the pool, with an active owner, whose last order is
    between ``days`` and ``days`` + ``CHURN_LOOKBACK_DAYS`` days before ``today`` (so
    the first run on old data does not flood anyone); over the (org, stage, last
    order) index, only the columns a reminder needs."""
    cutoff = today - datetime.timedelta(days=days)
    return (
        Customer.objects.filter(
            lifecycle_stage=Customer.Lifecycle.DORMANT,
            last_order_on__lt=cutoff,
            last_order_on__gte=cutoff - datetime.timedelta(days=CHURN_LOOKBACK_DAYS),
            in_pool=False,
            owner__status=Employee.Status.ACTIVE,
        )
        .only("id", "name", "last_order_on", "owner_id")
        .order_by("id")
    )


def scan_churn_risk(*, org, today=None):
    """Notify owners of their customers that lapsed into dormancy; returns how many
    were new."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        days = OrgSettings.objects.values_list("churn_threshold_days", flat=True).first()
        days = 90 if days is None else days
        for batch in _batches(lapsed_customers(today=today, days=days)):
            for customer in batch:
                created += len(
                    notify(
                        recipients=[customer.owner_id],
                        kind="churn_risk",
                        title=lazy_text(
                            _("%(customer)s 已 %(days)d 天没有购买，转为休眠客户"),
                            customer=customer.name,
                            days=(today - customer.last_order_on).days,
                        ),
                        body=lazy_text(
                            _("最近下单 %(date)s。"),
                            date=customer.last_order_on.isoformat(),
                        ),
                        link=_customer_link(customer.pk),
                        target=customer,
                        event_key=f"churn:{customer.pk}:{customer.last_order_on.isoformat()}",
                    )
                )
    return created
