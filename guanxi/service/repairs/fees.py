"""The charges of a repair, in Decimal at the org's decimal places.

* labour = hours × the hourly rate, rounded half up;
* parts = the sum of the rounded part amounts (quantity × unit price, rounded);
* call-out = the fee list's call-out fee when the repair is a field visit;
* discount = (labour + parts + call-out) × the fee list's discount %, rounded;
* value = labour + parts + call-out − discount: what the work is worth;
* total = value when the repair is chargeable, else zero (under warranty or a service
  contract the customer pays nothing, while the value is still shown).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from guanxi.sales.lines import quantize

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Charges:
    labour_amount: Decimal
    parts_amount: Decimal
    call_out_amount: Decimal
    discount_amount: Decimal
    value: Decimal
    total: Decimal

    def as_fields(self) -> dict[str, Decimal]:
        return {
            "labour_amount": self.labour_amount,
            "parts_amount": self.parts_amount,
            "call_out_amount": self.call_out_amount,
            "discount_amount": self.discount_amount,
            "value": self.value,
            "total": self.total,
        }


def part_amount(quantity: Decimal, unit_price: Decimal, places: int) -> Decimal:
    return quantize(Decimal(quantity) * Decimal(unit_price), places)


def compute(
    *,
    labour_hours: Decimal,
    labour_rate: Decimal,
    part_amounts: Iterable[Decimal],
    call_out: bool,
    call_out_fee: Decimal,
    discount_percent: Decimal,
    chargeable: bool,
    places: int,
) -> Charges:
    labour = quantize(Decimal(labour_hours) * Decimal(labour_rate), places)
    parts = quantize(sum((Decimal(a) for a in part_amounts), Decimal(0)), places)
    call_out_amount = quantize(Decimal(call_out_fee), places) if call_out else quantize(0, places)
    gross = labour + parts + call_out_amount
    discount = quantize(gross * Decimal(discount_percent) / HUNDRED, places)
    value = gross - discount
    total = value if chargeable else quantize(0, places)
    return Charges(labour, parts, call_out_amount, discount, value, total)
