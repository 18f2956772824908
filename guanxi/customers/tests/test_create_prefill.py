"""The customer create form takes the caller's number from the call-centre screen
(``?phone=``): a real phone number fills the phone field, anything else is dropped,
and a POST ignores the address (only what was submitted is saved)."""

import pytest

from guanxi.core.tenancy import all_orgs
from guanxi.customers.forms import phone_from_query
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db

NEW = "/customers/new/"


def _phone_value(response):
    form = response.context["form"]
    return form["phone"].value()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("13800138000", "13800138000"),
        (" 0755-26661234 ", "0755-26661234"),
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        ("95588", "95588"),
        ("", ""),
        ("12", ""),
        ("1" * 21, ""),
        ("<script>alert(1)</script>", ""),
        ('13800138000"><b>', ""),
        ("张三", ""),
        ("1-" * 30, ""),
    ],
)
def test_phone_from_query_keeps_only_phone_numbers(given, kept):
    assert phone_from_query(given) == kept


def test_create_form_prefills_the_phone_from_the_address(world, web):
    client = web(world.rep_a)
    response = client.get(NEW, {"phone": "13800138000"})
    assert response.status_code == 200
    assert _phone_value(response) == "13800138000"
    assert 'value="13800138000"' in response.content.decode()


def test_create_form_drops_what_is_not_a_phone(world, web):
    response = web(world.rep_a).get(NEW, {"phone": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert not _phone_value(response)
    assert "<script>alert(1)" not in response.content.decode()


def test_a_post_saves_what_was_submitted_not_the_address(world, web):
    client = web(world.rep_a)
    response = client.post(
        f"{NEW}?phone=13800138000",
        {
            "name": "来电新客户有限公司",
            "lifecycle_stage": "potential",
            "industry": "retail",
            "level": "key",
            "phone": "020-88886666",
        },
    )
    assert response.status_code == 302
    with all_orgs():
        made = Customer.objects.get(name="来电新客户有限公司")
    assert made.phone == "020-88886666"
