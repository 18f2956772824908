"""The options of the service screens' plain selects (products, colleagues), capped so a
large catalog or staff never makes a page slow; a record's current choice is always kept."""

from guanxi.catalog.models import Product
from guanxi.orgs.models import Employee

CHOICES_LIMIT = 1000


def products(extra_ids=()):
    """Active products by code (at most ``CHOICES_LIMIT``), plus those in ``extra_ids``
    (the record's current product, even if inactive or past the cap)."""
    found = list(
        Product.objects.filter(active=True)
        .only("id", "code", "name")
        .order_by("code", "id")[:CHOICES_LIMIT]
    )
    missing = {pk for pk in extra_ids if pk} - {p.pk for p in found}
    if missing:
        found += list(Product.objects.filter(pk__in=missing).only("id", "code", "name"))
    return found


def colleagues():
    """Active employees by name (at most ``CHOICES_LIMIT``)."""
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE)
        .only("id", "name")
        .order_by("name", "id")[:CHOICES_LIMIT]
    )
