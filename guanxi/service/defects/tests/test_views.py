"""Defect pages: list with filters, form (also from a ticket), detail with status moves
and ticket links, statistics, the ticket panel, permissions and query budgets."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.defects.models import Defect, DefectTicket
from guanxi.service.defects.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_the_list_shows_badges_ticket_counts_and_filters(world, web):
    washer = h.product(world, name="洗碗机")
    ticket = h.ticket(world)
    h.defect(world, item=washer, severity="critical", title="门封漏水", ticket=ticket.pk)
    h.defect(world, title="面板划痕", severity="trivial")
    page = web(world.agent).get("/defects/")
    text = page.content.decode()
    assert page.status_code == 200 and "门封漏水" in text and "面板划痕" in text
    assert "致命" in text and "待确认" in text
    filtered = web(world.agent).get(f"/defects/?product={washer.pk}").content.decode()
    assert "门封漏水" in filtered and "面板划痕" not in filtered


def test_record_from_a_ticket_through_the_form(world, web):
    item = h.product(world, name="智能马桶")
    ticket = h.ticket(world, subject="冲水无力", product=item)
    client = web(world.agent)
    page = client.get(f"/defects/new/?ticket={ticket.pk}")
    assert page.status_code == 200 and "冲水无力" in page.content.decode()
    response = client.post(
        "/defects/new/",
        {"ticket": ticket.pk, "product": item.pk, "title": "冲水无力", "severity": "major"},
    )
    assert response.status_code == 302
    with org_scope(world.org):
        made = Defect.objects.get()
        assert DefectTicket.objects.filter(defect=made, ticket=ticket).exists()


def test_a_refused_form_says_why_and_writes_nothing(world, web):
    response = web(world.agent).post("/defects/new/", {"title": "", "severity": "major"})
    assert response.status_code == 400
    assert "请选择产品" in response.content.decode() or "此项必填" in response.content.decode()
    with org_scope(world.org):
        assert not Defect.with_deleted.exists()


def test_detail_moves_status_and_links_by_code(world, web):
    made = h.defect(world)
    ticket = h.ticket(world)
    client = web(world.agent)
    page = client.get(f"/defects/{made.pk}/").content.decode()
    assert "defect-to-confirmed" in page and "defect-link-form" in page
    client.post(f"/defects/{made.pk}/status/", {"status": "confirmed", "version": 1})
    assert h.reload(world, made).status == "confirmed"
    bad = client.post(f"/defects/{made.pk}/status/", {"status": "closed"}, follow=True)
    assert "不能改为" in bad.content.decode() and h.reload(world, made).status == "confirmed"
    client.post(f"/defects/{made.pk}/tickets/", {"ticket": ticket.code})
    detail = client.get(f"/defects/{made.pk}/").content.decode()
    assert ticket.code in detail and ticket.subject in detail
    client.post(f"/defects/{made.pk}/tickets/{ticket.pk}/remove/")
    with org_scope(world.org):
        assert not DefectTicket.objects.exists()


def test_the_ticket_panel_lists_and_links_by_code(world, web):
    made = h.defect(world, title="显示屏花屏")
    ticket = h.ticket(world)
    client = web(world.agent)
    empty = client.get(f"/defects/ticket/{ticket.pk}/").content.decode()
    assert "ticket-no-defects" in empty and "ticket-defect-new" in empty
    response = client.post(
        f"/defects/ticket/{ticket.pk}/link/",
        {"defect": made.code, "next": f"/tickets/{ticket.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert "显示屏花屏" in client.get(f"/defects/ticket/{ticket.pk}/").content.decode()
    unknown = client.post(f"/defects/ticket/{ticket.pk}/link/", {"defect": "QX-NOPE"}, follow=True)
    assert "缺陷编号不存在" in unknown.content.decode()


def test_a_rep_without_the_module_is_refused(world, web):
    made = h.defect(world)
    client = web(world.rep_a)
    assert client.get("/defects/").status_code == 403
    assert client.get("/defects/stats/").status_code == 403
    assert client.get(f"/defects/{made.pk}/").status_code == 403
    assert client.post(f"/defects/{made.pk}/status/", {"status": "confirmed"}).status_code == 403
    assert h.reload(world, made).status == "open"


def test_another_orgs_defect_is_404(world, other_world, web):
    made = h.defect(world)
    assert web(other_world.admin).get(f"/defects/{made.pk}/").status_code == 404


def test_page_query_counts_do_not_grow(world, web, django_assert_max_num_queries):
    ticket = h.ticket(world)
    client = web(world.agent)
    h.defect(world, ticket=ticket.pk)
    client.get("/defects/")
    with django_assert_max_num_queries(40) as small_list:
        assert client.get("/defects/").status_code == 200
    with django_assert_max_num_queries(40) as small_stats:
        assert client.get("/defects/stats/").status_code == 200
    for n in range(6):
        h.defect(world, item=h.product(world, name=f"产品{n}"), ticket=ticket.pk)
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        assert client.get("/defects/").status_code == 200
    with django_assert_max_num_queries(len(small_stats.captured_queries)):
        assert client.get("/defects/stats/").status_code == 200


def test_export_needs_the_permission_and_follows_the_filters(world, web):
    from io import BytesIO

    from openpyxl import load_workbook

    h.defect(world, severity="critical", title="=危险公式")
    h.defect(world, severity="minor", title="面板划痕")
    assert web(world.agent).get("/defects/export/").status_code == 403
    response = web(world.admin).get("/defects/export/?severity=critical")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "'=危险公式" and rows[1][3] == "致命"
