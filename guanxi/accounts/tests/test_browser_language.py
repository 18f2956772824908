"""Real browser: an employee picks English on the account page; it follows them to a new
browser at sign-in, and their notifications are written in it."""

import pytest
from django.utils.translation import gettext_lazy

from guanxi.core.tenancy import org_scope
from guanxi.workspace.notifications.services import lazy_text, notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_language_chosen_on_the_account_page_follows_the_employee(world, page, sign_in):
    sign_in(world.rep_a)
    page.goto("/account/security/")
    page.select_option("[data-testid=language-form] select[name=lang-language]", "en")
    page.click("[data-testid=language-form] button[type=submit]")
    page.wait_for_selector("html[lang=en]")
    assert "Language saved." in page.content()

    # another browser (no language cookie): signing in brings English back
    page.context.clear_cookies()
    sign_in(world.rep_a)
    page.wait_for_selector("html[lang=en]")
    assert "Hello" in page.locator("[data-testid=greeting]").inner_text()

    # a notification sent from a Chinese context reads in English for this employee
    with org_scope(world.org):
        notify(
            recipients=[world.rep_a],
            kind="approval_waiting",
            title=lazy_text(gettext_lazy("待您审批：%(title)s"), title="采购显示器"),
        )
    page.goto("/notifications/")
    assert "Waiting for your approval: 采购显示器" in page.content()
