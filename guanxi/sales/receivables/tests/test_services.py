"""Receivable, payment and invoice services: creation, allocation rules, paid amounts
kept equal to the allocations, voiding, cancelling, and the contracts/orders interface."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import OrgSettings
from guanxi.sales.receivables import selectors, services
from guanxi.sales.receivables.models import Invoice, Payment, PaymentAllocation, Receivable
from guanxi.sales.receivables.tests.helpers import D, fresh, make_customer, make_receivable, pay

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def customer(world):
    return make_customer(world)


def _consistent(world):
    """Every receivable's paid_amount is the sum of its allocations, every payment's
    allocated_amount the sum of its own."""
    with org_scope(world.org):
        for row in Receivable.objects.all():
            total = row.allocations.aggregate(t=Sum("amount"))["t"] or 0
            assert row.paid_amount == total, row.code
            assert row.paid_amount <= row.amount
        for row in Payment.objects.all():
            total = row.allocations.aggregate(t=Sum("amount"))["t"] or 0
            assert row.allocated_amount == total, row.code


def test_receivable_create_defaults_owner_code_currency_and_rounds(world, customer):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(contract_decimals=2)
    receivable = make_receivable(
        world, customer, "1000.005", source_type="contract", source_id=7, source_code="HT-1"
    )
    assert receivable.amount == D("1000.01")
    assert receivable.owner_id == world.rep_a.pk  # the customer's owner
    assert receivable.owner_department_id == world.rep_a.department_id
    assert receivable.code
    assert receivable.currency == "CNY"
    assert receivable.status == Receivable.Status.OPEN
    assert receivable.booked_on == datetime.date(2026, 12, 2)


def test_receivable_create_refuses_bad_input(world, customer):
    for amount in ("-1", "0", "abc", None):
        with pytest.raises(ValidationError) as exc:
            make_receivable(world, customer, amount)
        assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_receivable(world, customer, "10", due="not a date")
    assert "due_date" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_receivable(world, customer, "10", source_type="gift")
    with org_scope(world.org):
        assert not Receivable.objects.exists()


def test_partial_payment_over_two_receivables(world, customer):
    first = make_receivable(world, customer, "1000")
    second = make_receivable(world, customer, "500")
    payment = pay(world, customer, "1200", [(first, "1000"), (second, "200")])
    first, second, payment = fresh(world, first), fresh(world, second), fresh(world, payment)
    assert first.status == Receivable.Status.PAID
    assert second.status == Receivable.Status.PARTLY_PAID
    assert second.paid_amount == D("200")
    assert payment.allocated_amount == D("1200")
    assert payment.unallocated_amount == 0
    _consistent(world)


def test_over_payment_stays_as_credit_and_is_allocated_later(world, customer):
    first = make_receivable(world, customer, "300")
    payment = pay(world, customer, "1000", [(first, "300")])
    with org_scope(world.org):
        assert selectors.credit_balance(customer_id=customer.pk) == D("700")
    later = make_receivable(world, customer, "500")
    with org_scope(world.org):
        services.payment_allocate(
            actor=world.rep_a,
            payment=payment,
            allocations=[{"receivable": later.pk, "amount": "500"}],
        )
        assert selectors.credit_balance(customer_id=customer.pk) == D("200")
    assert fresh(world, later).status == Receivable.Status.PAID
    _consistent(world)


def test_allocation_beyond_open_amount_is_refused_and_nothing_written(world, customer):
    first = make_receivable(world, customer, "100")
    pay(world, customer, "60", [(first, "60")])
    with pytest.raises(BusinessRuleError) as exc:
        pay(world, customer, "100", [(first, "50")])
    assert exc.value.code == "allocation_exceeds_open"
    with org_scope(world.org):
        assert Payment.objects.count() == 1
    assert fresh(world, first).paid_amount == D("60")
    _consistent(world)


def test_allocations_beyond_the_payment_are_refused(world, customer):
    first = make_receivable(world, customer, "1000")
    with pytest.raises(ValidationError) as exc:
        pay(world, customer, "100", [(first, "150")])
    assert "allocations" in exc.value.message_dict
    with org_scope(world.org):
        assert not Payment.objects.exists()


def test_other_customers_receivable_is_refused(world, customer):
    other = make_customer(world, name="远航科技")
    theirs = make_receivable(world, other, "100")
    with pytest.raises(ValidationError) as exc:
        pay(world, customer, "100", [(theirs, "100")])
    assert "allocations" in exc.value.message_dict
    with org_scope(world.org):
        assert not Payment.objects.exists()
    assert fresh(world, theirs).paid_amount == 0


def test_other_orgs_receivable_is_refused(world, other_world, customer):
    foreign_customer = make_customer(other_world, name="外组织客户", owner=other_world.admin)
    foreign = make_receivable(other_world, foreign_customer, "100")
    with pytest.raises(ValidationError) as exc:
        pay(world, customer, "100", [(foreign, "100")])
    assert "allocations" in exc.value.message_dict
    assert fresh(other_world, foreign).paid_amount == 0
    with org_scope(world.org):
        assert not Payment.objects.exists()


def test_duplicate_rows_and_bad_amounts_name_the_line(world, customer):
    first = make_receivable(world, customer, "1000")
    with pytest.raises(ValidationError) as exc:
        pay(world, customer, "100", [(first, "10"), (first, "10")])
    assert "2" in exc.value.message_dict["allocations"][0]
    with pytest.raises(ValidationError):
        pay(world, customer, "100", [(first, "-5")])


def test_void_releases_allocations(world, customer):
    first = make_receivable(world, customer, "1000")
    payment = pay(world, customer, "1000", [(first, "1000")])
    with org_scope(world.org):
        services.payment_void(actor=world.admin, payment=payment, reason="退票")
        assert not PaymentAllocation.objects.exists()
        assert selectors.credit_balance(customer_id=customer.pk) == 0
    first = fresh(world, first)
    assert first.paid_amount == 0 and first.status == Receivable.Status.OPEN
    payment = fresh(world, payment)
    assert payment.status == Payment.Status.VOIDED
    with org_scope(world.org), pytest.raises(BusinessRuleError):
        services.payment_allocate(
            actor=world.admin, payment=payment, allocations=[{"receivable": first.pk, "amount": 1}]
        )
    _consistent(world)


def test_cancelled_receivable_cannot_take_money(world, customer):
    first = make_receivable(world, customer, "100")
    with org_scope(world.org):
        services.receivable_cancel(actor=world.admin, receivable=first)
    with pytest.raises(ValidationError):
        pay(world, customer, "100", [(first, "100")])


def test_cancel_refused_once_paid(world, customer):
    first = make_receivable(world, customer, "100")
    pay(world, customer, "10", [(first, "10")])
    with org_scope(world.org), pytest.raises(BusinessRuleError) as exc:
        services.receivable_cancel(actor=world.admin, receivable=first)
    assert exc.value.code == "receivable_paid"


def test_cancel_for_source(world, customer):
    a = make_receivable(world, customer, "100", source_type="contract", source_id=5)
    b = make_receivable(world, customer, "200", source_type="contract", source_id=5)
    other = make_receivable(world, customer, "300", source_type="order", source_id=5)
    pay(world, customer, "10", [(b, "10")])
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as exc:
            services.receivables_cancel_for_source(
                actor=world.admin, source_type="contract", source_id=5
            )
        assert exc.value.code == "receivable_paid"
        assert fresh(world, a).status == Receivable.Status.OPEN  # nothing changed
        assert (
            services.receivables_cancel_for_source(
                actor=world.admin, source_type="order", source_id=5
            )
            == 1
        )
        assert fresh(world, other).status == Receivable.Status.CANCELLED
        rows = selectors.receivables_for_source(source_type="contract", source_id=5)
        assert [r.pk for r in rows] == [a.pk, b.pk]


def test_credit_exposure(world, customer):
    make_receivable(world, customer, "100", due="2026-10-01")  # 62 days overdue
    partly = make_receivable(world, customer, "200", due="2026-11-25")  # 7 days overdue
    make_receivable(world, customer, "400", due="2027-01-10")
    paid = make_receivable(world, customer, "50", due="2026-09-01")
    pay(world, customer, "80", [(partly, "30"), (paid, "50")])
    with org_scope(world.org):
        exposure = selectors.credit_exposure(customer_id=customer.pk, overdue_days=30)
        assert exposure.open_amount == D("670")
        assert exposure.overdue_amount == D("100")
        assert exposure.oldest_overdue_days == 62
        assert selectors.credit_exposure(
            customer_id=customer.pk, overdue_days=0
        ).overdue_amount == D("270")


def test_rep_cannot_touch_someone_elses_payment(world, customer):
    first = make_receivable(world, customer, "100")
    payment = pay(world, customer, "100")
    with org_scope(world.org):
        from django.http import Http404

        with pytest.raises(Http404):
            services.payment_allocate(
                actor=world.rep_b,
                payment=payment,
                allocations=[{"receivable": first.pk, "amount": 1}],
            )
        with pytest.raises(PermissionDenied):
            services.payment_void(actor=world.readonly, payment=payment)
    assert fresh(world, payment).status == Payment.Status.VALID


def test_stale_version_refused(world, customer):
    first = make_receivable(world, customer, "100")
    with org_scope(world.org):
        services.receivable_update(actor=world.admin, receivable=first, version=1, title="新摘要")
        with pytest.raises(StaleVersion):
            services.receivable_update(actor=world.admin, receivable=first, version=1, title="x")


def test_amount_change_only_for_manual_and_not_below_paid(world, customer):
    manual = make_receivable(world, customer, "100")
    contract = make_receivable(world, customer, "100", source_type="contract", source_id=1)
    pay(world, customer, "60", [(manual, "60")])
    with org_scope(world.org):
        with pytest.raises(ValidationError):
            services.receivable_update(actor=world.admin, receivable=manual, amount="50")
        with pytest.raises(ValidationError):
            services.receivable_update(actor=world.admin, receivable=contract, amount="90")
        updated = services.receivable_update(actor=world.admin, receivable=manual, amount="60")
    assert updated.status == Receivable.Status.PAID


def test_invoice_number_unique_per_org(world, other_world, customer):
    with org_scope(world.org):
        invoice = services.invoice_create(
            actor=world.admin, customer=customer, number="04400123", amount="113",
            tax_amount="13", issued_on="2026-12-01", type="vat_special",
        )  # fmt: skip
        assert invoice.status == Invoice.Status.ISSUED
        with pytest.raises(ValidationError) as exc:
            services.invoice_create(
                actor=world.admin, customer=customer, number="04400123", amount="1",
                issued_on="2026-12-01",
            )  # fmt: skip
        assert "number" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.invoice_create(
                actor=world.admin, customer=customer, number="X1", amount="10",
                tax_amount="11", issued_on="2026-12-01",
            )  # fmt: skip
        assert "tax_amount" in exc.value.message_dict
    other_customer = make_customer(other_world, name="外组织客户", owner=other_world.admin)
    with org_scope(other_world.org):
        services.invoice_create(
            actor=other_world.admin, customer=other_customer, number="04400123", amount="5",
            issued_on="2026-12-01",
        )  # fmt: skip


def test_owner_who_left_gives_way_to_the_default(world, customer):
    from guanxi.orgs.models import Employee

    with org_scope(world.org):
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
    receivable = make_receivable(world, customer, "100", owner=world.rep_b.pk)
    assert receivable.owner_id == world.rep_a.pk
    with pytest.raises(ValidationError):
        make_receivable(world, customer, "100", owner=999999)
