"""Customer 360 panel, merge, handover, start card and search of receivables."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.customers import extensions
from guanxi.sales.receivables import services
from guanxi.sales.receivables.models import Invoice, Payment, Receivable
from guanxi.sales.receivables.tests.helpers import fresh, make_customer, make_receivable, pay
from guanxi.workspace import start

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


def test_registered():
    assert "receivables" in {panel.key for panel in extensions.panels()}
    assert "receivables" in {related.key for related in extensions.related_kinds()}
    assert "receivables" in {step.key for step in extensions.handover_steps()}
    assert "receivables" in start.CARDS


def test_customer_panel(world, web, django_assert_max_num_queries):
    customer = make_customer(world)
    late = make_receivable(world, customer, "1000", due="2026-11-01")
    make_receivable(world, customer, "200", due="2026-12-20")
    pay(world, customer, "1500", [(late, "400")])
    client = web(world.rep_a)
    url = reverse("receivables:customer_panel", args=[customer.pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert 'data-testid="panel-open">800.00' in page
    assert 'data-testid="panel-overdue">600.00' in page
    assert 'data-testid="panel-credit">1,100.00' in page
    assert web(world.rep_b).get(url).status_code == 404  # rep_b cannot see the customer


def test_merge_moves_everything(world):
    loser = make_customer(world, name="华星贸易（旧）")
    survivor = make_customer(world, name="华星贸易")
    receivable = make_receivable(world, loser, "100")
    payment = pay(world, loser, "100", [(receivable, "100")])
    with org_scope(world.org):
        services.invoice_create(
            actor=world.admin, customer=loser, number="M1", amount="100", issued_on="2026-12-01"
        )
        related = next(r for r in extensions.related_kinds() if r.key == "receivables")
        assert related.count([loser.pk]) == 3
        assert related.move([loser.pk], survivor, world.admin) == 3
        assert Invoice.objects.get().customer_id == survivor.pk
    assert fresh(world, receivable).customer_id == survivor.pk
    assert fresh(world, payment).customer_id == survivor.pk


def test_handover_moves_open_receivables_only(world):
    customer = make_customer(world)
    open_one = make_receivable(world, customer, "100")
    paid = make_receivable(world, customer, "100")
    pay(world, customer, "100", [(paid, "100")])
    with org_scope(world.org):
        step = next(s for s in extensions.handover_steps() if s.key == "receivables")
        assert step.move(world.rep_a, world.rep_b, None, world.admin) == 1
    moved = fresh(world, open_one)
    assert moved.owner_id == world.rep_b.pk
    assert moved.owner_department_id == world.rep_b.department_id
    assert fresh(world, paid).owner_id == world.rep_a.pk


def test_start_card(world):
    customer = make_customer(world)
    make_receivable(world, customer, "100", due="2026-12-05")
    make_receivable(world, customer, "100", due="2027-03-01")  # too far
    with org_scope(world.org):
        context = start.CARDS["receivables"].context(world.rep_a)
        assert len(context["rows"]) == 1
        assert start.CARDS["receivables"].context(world.rep_b) is None


def test_search_finds_payment_code_and_invoice_number(world, web):
    customer = make_customer(world)
    payment = pay(world, customer, "100", reference="ICBC20261202")
    with org_scope(world.org):
        services.invoice_create(
            actor=world.admin, customer=customer, number="04409876", amount="10",
            issued_on="2026-12-01",
        )  # fmt: skip
        from guanxi.search.models import SearchEntry

        kinds = set(SearchEntry.objects.values_list("kind", flat=True))
    assert {"payment", "invoice"} <= kinds
    assert payment.code
    detail = web(world.admin).get(reverse("receivables:invoice_detail", args=[1]))
    assert detail.status_code in (302, 404)


def test_void_keeps_index_and_statuses(world):
    customer = make_customer(world)
    receivable = make_receivable(world, customer, "100")
    payment = pay(world, customer, "100", [(receivable, "100")])
    with org_scope(world.org):
        services.payment_void(actor=world.admin, payment=payment)
    assert fresh(world, payment).status == Payment.Status.VOIDED
    assert fresh(world, receivable).status == Receivable.Status.OPEN
