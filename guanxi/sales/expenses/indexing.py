"""Expenses in the global search index: found by code (FY-202612-00001), by their
description and by the customer's name. The expense services refresh the entries after
every write, inside their transaction."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.expenses.models import Expense
from guanxi.search import index, registry
from guanxi.search.tokens import Document

KIND = "expense"
DETAIL_URL = "expenses:expense_detail"


def expense_document(expense) -> Document:
    customer = expense.customer.name if expense.customer_id else ""
    return Document(
        kind=KIND,
        object_id=expense.pk,
        title=f"{expense.code} {expense.get_category_display()}",
        subtitle=" · ".join(part for part in (customer, expense.description[:80]) if part),
        module="expenses",
        url_name=DETAIL_URL,
        url_arg=expense.pk,
        owner_id=expense.owner_id,
        department_id=expense.owner_department_id,
        codes=[expense.code],
        texts=[text for text in (expense.description, customer) if text],
    )


def _documents(ids):
    rows = (
        Expense.objects.filter(pk__in=ids)
        .select_related("customer")
        .only(
            "id", "code", "category", "description", "owner_id", "owner_department_id",
            "customer_id", "customer__name",
        )
    )  # fmt: skip
    for expense in rows:
        yield expense_document(expense)


def _all_ids():
    return Expense.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    KIND, label=_("费用"), module="expenses", documents=_documents, all_ids=_all_ids, order=75
)


def index_expenses(ids):
    """Bring these expenses' entries up to date (deleted ones leave the index)."""
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(KIND, ids[start : start + index.BATCH])
