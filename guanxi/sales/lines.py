"""Document lines shared by quotes, contracts and orders (and opportunity products).

One set of rules for every sales document, so a quote copied into a contract or an
order gives the same amounts:

* a line's ``amount`` is quantity × unit price less the discount, rounded half up to
  the document's decimal places (the org's ``quote_decimals``/``contract_decimals``/
  ``order_decimals``); its ``tax`` is ``amount`` × tax rate, rounded the same way; its
  ``total`` is ``amount + tax``;
* a document's totals are the sums of its ROUNDED line values, so the lines always
  add up exactly to the total shown (no drift between the table and the total).

``clean_lines`` is the only validation of line input: the API serializer and the
HTML editor both pass the raw values through it, so they refuse the same things with
the same messages.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.catalog.models import Product
from guanxi.core.models import OrgOwned
from guanxi.core.tenancy import org_scope

# every money column of the sales documents: 14 integer digits, 6 decimals (amounts are
# rounded to the org's places when computed, the column keeps what any setting needs)
MONEY: dict[str, Any] = {"max_digits": 20, "decimal_places": 6}
MAX_LINES = 500
QUANTITY_PLACES = 4
RATE_PLACES = 2
# the integer digits the stored columns hold (max_digits - decimal_places)
MAX_QUANTITY = Decimal(10) ** 14
MAX_PRICE = Decimal(10) ** 14
MAX_AMOUNT = Decimal(10) ** 14
MAX_ID = 2**63  # larger ids cannot be stored: no product has them
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class DocumentLine(OrgOwned):
    """One line of a sales document: a product, how many, at what price, less what
    discount, with what tax. Concrete subclasses add the FK to their document with
    ``related_name="lines"`` and keep ``class Meta(DocumentLine.Meta)``."""

    position = models.PositiveSmallIntegerField(gettext_lazy("行号"))
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("产品"),
    )
    # the product's name when left empty
    description = models.CharField(gettext_lazy("描述"), max_length=200, blank=True)
    quantity = models.DecimalField(gettext_lazy("数量"), max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(gettext_lazy("单价"), **MONEY)
    discount = models.DecimalField(
        gettext_lazy("折扣（%）"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    tax_rate = models.DecimalField(
        gettext_lazy("税率（%）"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    # quantity × unit price less the discount, rounded to the document's places
    amount = models.DecimalField(gettext_lazy("金额"), **MONEY)
    # amount × tax rate, rounded to the document's places
    tax = models.DecimalField(gettext_lazy("税额"), **MONEY)
    # amount + tax
    total = models.DecimalField(gettext_lazy("价税合计"), **MONEY)

    class Meta:
        abstract = True
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="%(app_label)s_%(class)s_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="%(app_label)s_%(class)s_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=100),
                name="%(app_label)s_%(class)s_discount_percent",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100),
                name="%(app_label)s_%(class)s_tax_rate_percent",
            ),
        ]

    def __str__(self):
        return self.description or str(self.product_id)

    # numbers as people write them: 1.5 rather than 1.5000, 100 rather than 1E+2
    @property
    def quantity_display(self):
        return plain(self.quantity)

    @property
    def unit_price_display(self):
        return plain(self.unit_price)

    @property
    def discount_display(self):
        return plain(self.discount)

    @property
    def tax_rate_display(self):
        return plain(self.tax_rate)


@dataclass(frozen=True)
class LineInput:
    """A validated line, ready to store: ``product`` is a ``catalog.Product`` of the
    document's org; numbers are ``Decimal``; ``description`` is never empty."""

    product: object
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    description: str


@dataclass(frozen=True)
class Totals:
    """A document's totals, each quantized to the document's places.

    ``subtotal`` is the sum of the lines' rounded quantity × price before discount,
    ``discount`` what the discounts take off it, ``amount`` the sum of the line
    amounts (net of discount, before tax), ``tax`` the sum of the line taxes and
    ``total`` the sum of the line totals (= amount + tax)."""

    subtotal: Decimal
    discount: Decimal
    amount: Decimal
    tax: Decimal
    total: Decimal

    @property
    def places(self):
        """The decimal places these totals were quantized to."""
        exponent = self.total.as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0

    @classmethod
    def from_document(cls, document, places):
        """The totals stored on a document (subtotal, discount_amount, amount, tax,
        total columns), quantized to ``places`` for display."""
        return cls(
            subtotal=quantize(document.subtotal, places),
            discount=quantize(document.discount_amount, places),
            amount=quantize(document.amount, places),
            tax=quantize(document.tax, places),
            total=quantize(document.total, places),
        )

    def as_fields(self):
        """The document columns these totals are stored in (interfaces: subtotal,
        discount_amount, amount, tax, total)."""
        return {
            "subtotal": self.subtotal,
            "discount_amount": self.discount,
            "amount": self.amount,
            "tax": self.tax,
            "total": self.total,
        }


def quantize(value, places):
    """Round half up to ``places`` decimals (the boundary rule for money)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def plain(value):
    """A Decimal without trailing zeros or exponent: ``1.5000`` → ``"1.5"``."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


def _gross(line, places):
    return quantize(Decimal(line.quantity) * Decimal(line.unit_price), places)


def line_values(line, places):
    """``(amount, tax, total)`` of one line (a ``LineInput`` or a stored line),
    each rounded half up to ``places``."""
    gross = Decimal(line.quantity) * Decimal(line.unit_price)
    amount = quantize(gross * (HUNDRED - Decimal(line.discount)) / HUNDRED, places)
    tax = quantize(amount * Decimal(line.tax_rate) / HUNDRED, places)
    return amount, tax, amount + tax


def compute_totals(inputs_or_lines, places):
    """The ``Totals`` of some lines: sums of the ROUNDED line values, so the total
    equals the sum of the line totals to the last place."""
    subtotal = amount = tax = ZERO
    for line in inputs_or_lines:
        line_amount, line_tax, _total = line_values(line, places)
        subtotal += _gross(line, places)
        amount += line_amount
        tax += line_tax
    subtotal, amount, tax = (quantize(v, places) for v in (subtotal, amount, tax))
    return Totals(
        subtotal=subtotal,
        discount=subtotal - amount,
        amount=amount,
        tax=tax,
        total=amount + tax,
    )


# ---- validation ------------------------------------------------------------------------


def _number(value):
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _places_of(number):
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class _LineErrors:
    """Collects one translated message per bad field, each naming the line number."""

    def __init__(self):
        self.messages = []

    def add(self, number, message):
        self.messages.append(
            _("第 %(number)s 行：%(message)s") % {"number": number, "message": message}
        )

    def raise_if_any(self):
        if self.messages:
            raise ValidationError({"lines": self.messages}, code="invalid")


def _product_id(value):
    value = getattr(value, "pk", value)
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < MAX_ID else None


def _clean_quantity(value, number, errors):
    quantity = _number(value)
    if _blank(value):
        errors.add(number, _("请填写数量。"))
    elif quantity is None:
        errors.add(number, _("数量不是有效的数字。"))
    elif quantity <= 0:
        errors.add(number, _("数量必须大于 0。"))
    elif _places_of(quantity) > QUANTITY_PLACES:
        errors.add(number, _("数量最多 %(places)s 位小数。") % {"places": QUANTITY_PLACES})
    elif quantity >= MAX_QUANTITY:
        errors.add(number, _("数量过大。"))
    else:
        return quantity
    return None


def _clean_price(value, default, number, price_places, errors):
    if _blank(value):
        return Decimal(default)
    price = _number(value)
    if price is None:
        errors.add(number, _("单价不是有效的数字。"))
    elif price < 0:
        errors.add(number, _("单价不能为负数。"))
    elif _places_of(price) > price_places:
        errors.add(number, _("单价最多 %(places)s 位小数。") % {"places": price_places})
    elif price >= MAX_PRICE:
        errors.add(number, _("单价过大。"))
    else:
        return price
    return None


def _clean_percent(value, default, number, label, errors):
    if _blank(value):
        return Decimal(default)
    rate = _number(value)
    if rate is None:
        errors.add(number, _("%(field)s不是有效的数字。") % {"field": label})
    elif not ZERO <= rate <= HUNDRED:
        errors.add(number, _("%(field)s必须在 0 到 100 之间（单位：%%）。") % {"field": label})
    elif _places_of(rate) > RATE_PLACES:
        errors.add(
            number, _("%(field)s最多 %(places)s 位小数。") % {"field": label, "places": RATE_PLACES}
        )
    else:
        return rate
    return None


def _products(raw, org_id):
    ids = {_product_id(item.get("product")) for item in raw if isinstance(item, dict)}
    ids.discard(None)
    if not ids:
        return {}
    with org_scope(org_id):
        return {p.pk: p for p in Product.objects.filter(org_id=org_id, pk__in=ids)}


def clean_lines(raw, *, org_id, places, price_places=6, required=True, allowed_inactive=()):
    """Validate raw line input and return ``LineInput``s in the given order.

    ``raw`` is a list of dicts with the API names ``product`` (an id), ``quantity``,
    ``unit_price``, ``discount``, ``tax_rate`` and ``description``. ``unit_price``
    defaults to the product's list price and ``tax_rate`` to its tax rate. Refuses a
    missing, zero or negative quantity, a negative price, a discount or tax rate
    outside 0..100, a product that is unknown, of another org or inactive (except the
    ids in ``allowed_inactive``: products already on the document being edited), more
    than ``MAX_LINES`` lines, more decimals than stored (quantity 4, price
    ``price_places``, rates 2) and a line amount too large for ``places``. Raises
    ``ValidationError({"lines": [...]})`` with one message per bad field, naming the
    line number; one query whatever the number of lines."""
    if raw is None:
        raw = []
    if not isinstance(raw, (list, tuple)):
        raise ValidationError({"lines": [_("明细格式不正确。")]}, code="invalid")
    if len(raw) > MAX_LINES:
        raise ValidationError(
            {"lines": [_("明细最多 %(count)s 行。") % {"count": MAX_LINES}]}, code="invalid"
        )
    if required and not raw:
        raise ValidationError({"lines": [_("请至少添加一行明细。")]}, code="required")
    price_places = min(int(price_places), 6)
    allowed = {_product_id(p) for p in allowed_inactive}
    products = _products(raw, org_id)
    errors = _LineErrors()
    cleaned = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.add(number, _("明细格式不正确。"))
            continue
        product = products.get(_product_id(item.get("product")))
        if _blank(item.get("product")):
            errors.add(number, _("请选择产品。"))
        elif product is None:
            errors.add(number, _("产品不存在。"))
        elif not product.active and product.pk not in allowed:
            errors.add(number, _("产品“%(name)s”已停用。") % {"name": product.name})
            product = None
        quantity = _clean_quantity(item.get("quantity"), number, errors)
        price = _clean_price(
            item.get("unit_price"),
            product.list_price if product is not None else ZERO,
            number,
            price_places,
            errors,
        )
        discount = _clean_percent(item.get("discount"), ZERO, number, _("折扣"), errors)
        tax_rate = _clean_percent(
            item.get("tax_rate"),
            product.tax_rate if product is not None else ZERO,
            number,
            _("税率"),
            errors,
        )
        description = item.get("description")
        description = "" if description is None else str(description).strip()
        if len(description) > 200:
            errors.add(number, _("描述最多 200 个字。"))
        if None in (product, quantity, price, discount, tax_rate) or len(description) > 200:
            continue
        line = LineInput(
            product=product,
            quantity=quantity,
            unit_price=price,
            discount=discount,
            tax_rate=tax_rate,
            description=description or product.name[:200],
        )
        if line_values(line, places)[2] >= MAX_AMOUNT:
            errors.add(number, _("金额过大。"))
            continue
        cleaned.append(line)
    errors.raise_if_any()
    return cleaned


# ---- storing ---------------------------------------------------------------------------


def replace_lines(*, document, line_model, fk_name, inputs, places):
    """Delete ``document``'s lines and bulk-create ``inputs`` in order (positions from
    1); returns their ``Totals``. Runs in the caller's transaction."""
    line_model.objects.filter(**{fk_name: document}).delete()
    rows = []
    for position, line in enumerate(inputs, start=1):
        amount, tax, total = line_values(line, places)
        rows.append(
            line_model(
                org_id=document.org_id,
                position=position,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                tax_rate=line.tax_rate,
                amount=amount,
                tax=tax,
                total=total,
                **{fk_name: document},
            )
        )
    line_model.objects.bulk_create(rows)
    return compute_totals(inputs, places)


def inputs_from_lines(lines):
    """``LineInput``s copied from stored lines (a quote's lines become a contract's or
    an order's): same product, quantity, price, discount, tax rate and description."""
    return [
        LineInput(
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            description=line.description,
        )
        for line in lines
    ]


def max_discount(inputs_or_lines):
    """The largest line discount (percent), 0 for no lines."""
    return max((Decimal(line.discount) for line in inputs_or_lines), default=ZERO)
