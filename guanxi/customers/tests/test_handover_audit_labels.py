"""The handover's summary audit entry reads as labels and names, in both languages, on the
audit log, in its CSV export and wherever ``describe_changes`` is used."""

import pytest
from django.urls import reverse
from django.utils import translation

from guanxi.audit import display, labels
from guanxi.audit.jobs import export_lines
from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import extensions, services

pytestmark = pytest.mark.django_db


def _summary(world):
    with all_orgs():
        return ChangeRecord.objects.filter(
            entity="orgs.employee", object_id=str(world.rep_a.pk)
        ).latest("id")


@pytest.fixture
def handed_over(world):
    """rep_a hands two customers over to rep_b (all of them)."""
    with org_scope(world.org):
        services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
        services.customer_create(actor=world.rep_a, name="宁波港城物流有限公司")
        services.customers_handover(
            actor=world.manager, from_employee=world.rep_a, to_employee=world.rep_b
        )
    return _summary(world)


def _rows(record, employee):
    return [(r.label, r.old, r.new) for r in display.describe_changes(record, employee=employee)]


def test_the_handover_keys_are_registered_at_startup():
    for key in ("handover_from", "handover_to", "handover_scope", "handover_moved"):
        assert labels.key("orgs.employee", key) is not None, key


def test_summary_reads_in_chinese(world, handed_over):
    assert _rows(handed_over, world.admin) == [
        ("移交人", "—", "张三"),
        ("移交数量", "—", "客户 2"),
        ("移交范围", "—", "全部客户"),
        ("接收人", "—", "李四"),
    ]


def test_summary_reads_in_english(world, handed_over):
    with translation.override("en"):
        rows = _rows(handed_over, world.admin)
    assert rows == [
        ("Handed over by", "—", "张三"),
        ("Moved", "—", "Customers 2"),
        ("What to hand over", "—", "All customers"),
        ("Handed over to", "—", "李四"),
    ]


def test_chosen_scope_and_kinds_of_later_modules(world):
    """A chosen handover says so; the kinds later modules move are named by their step."""
    with org_scope(world.org):
        kept = services.customer_create(actor=world.rep_a, name="合肥徽商贸易有限公司")
        services.customer_create(actor=world.rep_a, name="芜湖长江建材有限公司")
    step = extensions.HandoverStep(key="test_visits", label="拜访计划", move=lambda *args: 4)
    extensions.register_handover(step)
    try:
        with org_scope(world.org):
            services.customers_handover(
                actor=world.manager,
                from_employee=world.rep_a,
                to_employee=world.rep_b,
                customer_ids=[kept.pk],
            )
        rows = dict((label, new) for label, _old, new in _rows(_summary(world), world.admin))
        with translation.override("en"):
            english = {
                r.label: r.new for r in display.describe_changes(_summary(world), employee=None)
            }
    finally:
        extensions._handover.pop("test_visits")
    assert rows["移交范围"] == "所选客户"
    assert rows["移交数量"] == "客户 1、拜访计划 4"
    assert english["What to hand over"] == "Chosen customers"
    assert english["Moved"] == "Customers 1, 拜访计划 4"


def test_audit_log_page_and_export_show_the_labels(world, web, handed_over):
    url = reverse("audit:log") + f"?entity=orgs.employee&object_id={world.rep_a.pk}"
    client = web(world.admin)
    body = client.get(url).content.decode()
    for text in ("移交人", "接收人", "移交范围", "全部客户", "客户 2"):
        assert text in body, text
    assert "handover_" not in body
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "Handed over by",
        "Handed over to",
        "All customers",
        "Customers 2",
    ):
        assert text in english, text
    assert "handover_" not in english
    # the CSV export of the log: one line per key
    model = display.model_for("orgs.employee")
    with translation.override("zh-hans"):
        lines = export_lines(handed_over, employee=world.admin, model=model)
    assert [line[-3:] for line in lines] == [
        ["移交人", "—", "张三"],
        ["移交数量", "—", "客户 2"],
        ["移交范围", "—", "全部客户"],
        ["接收人", "—", "李四"],
    ]
