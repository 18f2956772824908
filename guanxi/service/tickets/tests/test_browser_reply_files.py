"""Real-browser flow: an agent replies to the customer with a file chosen under the
reply box; the file shows under the reply and in the ticket's files."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.tickets.models import TicketAttachment
from guanxi.service.tickets.tests import helpers as t

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reply_with_a_file(world, page, sign_in, tmp_path):
    ticket = t.ticket(world, subject="净水器漏水")
    quote = tmp_path / "维修报价单.pdf"
    quote.write_bytes(b"%PDF-1.4 quote")
    sign_in(world.agent)
    page.goto(f"/tickets/{ticket.pk}/")
    page.fill("[data-testid=reply-body]", "您好，维修报价单见附件。")
    page.set_input_files("[data-testid=reply-files]", str(quote))
    with page.expect_navigation():
        page.click("[data-testid=reply-send]")
    reply = page.locator("[data-testid=message-reply]")
    assert reply.count() == 1
    assert "维修报价单.pdf" in reply.locator("[data-testid=message-files]").inner_text()
    assert "维修报价单.pdf" in page.locator("[data-testid=ticket-files]").inner_text()
    with org_scope(world.org):
        stored = TicketAttachment.objects.get()
    assert stored.message_id is not None and stored.size == len(b"%PDF-1.4 quote")
