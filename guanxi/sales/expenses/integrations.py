"""What expenses plug into, registered from ``ExpensesConfig.ready()``: the approvals
document type ``expense``, a "费用" card on the customer 360° page (loaded after the page
by htmx, so it costs the page no query), the merge step (a merged customer's expenses go
to the survivor) and the search kind (``indexing``).

No handover step: an expense stays with the employee who spent the money, also when
they leave (their approved expenses still have to be reimbursed to them)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.expenses import (
    indexing,  # noqa: F401  (registers the search kind)
    services,
)
from guanxi.sales.expenses.models import Expense

MODULE = "expenses"
PANEL = "expenses/_customer_panel.html"


def customer_panel(customer, employee):
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return Expense.with_deleted.filter(customer_id__in=list(customer_ids)).count()


@transaction.atomic
def move_linked(from_ids, survivor, actor):
    return services.move_to_customer(from_ids=from_ids, survivor=survivor, actor=actor)


def register():
    services.register_document()
    extensions.register_panel(
        extensions.Panel(key="expenses", template=PANEL, context=customer_panel, order=58)
    )
    extensions.register_related(
        extensions.Related(
            key="expenses", label=_("费用"), count=count_linked, move=move_linked, order=58
        )
    )
