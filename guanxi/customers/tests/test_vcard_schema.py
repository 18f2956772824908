"""The vCard export's OpenAPI operation lists the contact list's conditions it applies."""

import pytest

from guanxi.api.schema import SchemaGenerator
from guanxi.customers.filters import ContactFilter


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _parameters(schema, path):
    return {p["name"]: p for p in schema["paths"][path]["get"].get("parameters", [])}


def test_vcard_documents_every_contact_list_condition(schema):
    vcard = _parameters(schema, "/api/v1/contacts/vcard")
    listed = _parameters(schema, "/api/v1/contacts")
    conditions = set(ContactFilter.base_filters)
    assert conditions >= {"customer", "q", "owner", "birthday_within", "phone", "gender"}
    # exactly the filter class's conditions, documented as the list documents them
    assert set(vcard) == conditions
    for name in conditions:
        assert vcard[name]["in"] == "query"
        assert vcard[name]["schema"] == listed[name]["schema"], name
    # the list's paging and order do not apply to the file (at most 5,000, by customer)
    assert not {"cursor", "limit", "ordering"} & set(vcard)


def test_vcard_response_is_a_vcard_file(schema):
    responses = schema["paths"]["/api/v1/contacts/vcard"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {"text/vcard"}


@pytest.mark.django_db
def test_documented_conditions_are_applied(world, api):
    """What the schema promises holds: a documented condition narrows the file."""
    from guanxi.core.tenancy import org_scope
    from guanxi.customers import services

    with org_scope(world.org):
        customer = services.customer_create(actor=world.manager, name="无锡太湖纺织有限公司")
        services.contact_create(
            actor=world.manager, customer=customer, name="孙丽", gender="female", title="采购经理"
        )
        services.contact_create(
            actor=world.manager, customer=customer, name="郑伟", gender="male", title="总经理"
        )
    client = api(world.manager)
    body = client.get("/api/v1/contacts/vcard", {"gender": "female"}).content.decode()
    assert "孙丽" in body and "郑伟" not in body
    body = client.get("/api/v1/contacts/vcard", {"title": "总经理"}).content.decode()
    assert "郑伟" in body and "孙丽" not in body
    # a bad value of a documented condition is a 400, not a 500
    assert client.get("/api/v1/contacts/vcard", {"birthday_month": "13"}).status_code == 400
