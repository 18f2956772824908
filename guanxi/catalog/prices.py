"""Money rules of the catalogue: prices round half up to the org's decimals."""

from decimal import ROUND_HALF_UP, Decimal

from guanxi.catalog.models import PRICE_DECIMAL_PLACES
from guanxi.orgs.models import OrgSettings


def price_places(org_id):
    """Decimal places of product prices: the org's parameter (产品价格小数位数),
    at most what is stored."""
    places = (
        OrgSettings.objects.filter(org_id=org_id).values_list("price_decimals", flat=True).first()
    )
    return min(2 if places is None else places, PRICE_DECIMAL_PLACES)


def round_price(value, places):
    """Round half up to ``places`` decimals (the boundary rule for money)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
