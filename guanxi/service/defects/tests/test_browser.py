"""Real-browser flow: from a ticket's defects panel a service agent records a defect
(product and title come from the ticket), sees the ticket linked on the defect, and the
statistics page counts the defect and the ticket for the product."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.defects.models import Defect
from guanxi.service.defects.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_defect_from_a_ticket_and_see_it_counted(world, page, sign_in):
    item = h.product(world, name="商用咖啡机", code="KFJ-1")
    ticket = h.ticket(world, subject="蒸汽阀漏气", product=item)
    sign_in(world.agent)
    page.goto(f"/defects/ticket/{ticket.pk}/")
    page.click("[data-testid=ticket-defect-new]")
    form = page.locator("[data-testid=defect-form]")
    assert page.locator("[data-testid=defect-from-ticket]").is_visible()
    assert form.locator("[data-testid=defect-title]").input_value() == "蒸汽阀漏气"
    form.locator("[data-testid=defect-severity]").select_option("critical")
    form.locator("[data-testid=defect-found-version]").fill("2026 年 3 月批次")
    form.locator("[data-testid=defect-save]").click()
    page.wait_for_selector("h1[data-testid=defect-title]")
    assert "KFJ-1" in page.locator("[data-testid=defect-product]").inner_text()
    assert page.locator("[data-testid=defect-ticket]").count() == 1
    assert ticket.code in page.locator("[data-testid=defect-tickets]").inner_text()
    with org_scope(world.org):
        made = Defect.objects.get()
    assert made.severity == "critical" and made.product_id == item.pk

    page.goto(f"/defects/ticket/{ticket.pk}/")
    assert made.code in page.locator("[data-testid=ticket-defect]").inner_text()

    page.goto("/defects/stats/")
    assert page.locator("[data-testid=stats-total]").inner_text().strip() == "1"
    assert page.locator("[data-testid=stats-critical]").inner_text().strip() == "1"
    row = page.locator("[data-testid=stats-product-row]")
    assert row.count() == 1 and "商用咖啡机" in row.inner_text()
    assert row.locator("[data-testid=stats-product-tickets]").inner_text().strip() == "1"
    page.wait_for_selector("[data-testid=stats-trend-chart][data-drawn=true]")
