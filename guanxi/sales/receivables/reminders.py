"""The daily receivable reminders (kind ``receivable_due``), idempotent through
``notify``'s ``event_key``: however often the scan runs, each event is notified once.

* Due soon (即将到期): an unpaid receivable (open or partly paid) due from today to the
  org's ``receivable_reminder_days`` ahead, to its owner; once per receivable
  (event key ``receivable:<id>:due``).
* Overdue (已逾期): an unpaid receivable whose due date has passed, to its owner; once per
  receivable (``receivable:<id>:overdue``). Only those that fell overdue within the last
  ``OVERDUE_LOOKBACK_DAYS`` days: the first run on old data must not flood everyone (the
  older ones are on the ageing page and the start page card).

Owners who left are skipped (``notify`` leaves them out). Titles are lazy: each is
written in its recipient's language.
"""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import OrgSettings
from guanxi.sales.receivables.models import Receivable
from guanxi.sales.receivables.selectors import LIVE
from guanxi.workspace.notifications.services import lazy_text, notify

KIND = "receivable_due"
OVERDUE_LOOKBACK_DAYS = 30
BATCH = 500


def _notify(receivable, *, event, title):
    return notify(
        recipients=[receivable.owner_id],
        kind=KIND,
        title=title,
        body=receivable.title,
        link=reverse("receivables:receivable_detail", args=[receivable.pk]),
        target=receivable,
        event_key=f"receivable:{receivable.pk}:{event}",
    )


def scan_receivables_due(*, org, today=None):
    """Notify owners of their receivables coming due and fallen overdue; returns how many
    notifications were new."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        days = OrgSettings.objects.values_list("receivable_reminder_days", flat=True).first()
        days = 7 if days is None else days
        rows = (
            Receivable.objects.filter(
                status__in=LIVE,
                owner__isnull=False,
                due_date__gte=today - datetime.timedelta(days=OVERDUE_LOOKBACK_DAYS),
                due_date__lte=today + datetime.timedelta(days=days),
            )
            .select_related("customer")
            .order_by("pk")
        )
        for receivable in rows.iterator(chunk_size=BATCH):
            open_amount = str(receivable.amount - receivable.paid_amount)
            if receivable.due_date < today:
                title = lazy_text(
                    _("应收款已逾期：%(customer)s %(code)s，未收 %(amount)s（%(date)s 到期）"),
                    customer=receivable.customer.name,
                    code=receivable.code,
                    amount=open_amount,
                    date=receivable.due_date.isoformat(),
                )
                created += len(_notify(receivable, event="overdue", title=title))
            else:
                title = lazy_text(
                    _("应收款即将到期：%(customer)s %(code)s，未收 %(amount)s（%(date)s 到期）"),
                    customer=receivable.customer.name,
                    code=receivable.code,
                    amount=open_amount,
                    date=receivable.due_date.isoformat(),
                )
                created += len(_notify(receivable, event="due", title=title))
    return created
