"""Custom fields: definitions, value validation, forms and filters."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from guanxi.core.tenancy import org_scope
from guanxi.orgs import custom_fields, services
from guanxi.orgs.models import CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(world):
    """Fields an insurer adds to customers."""
    with org_scope(world.org):
        make = lambda **kw: services.custom_field_create(actor=world.admin, entity="product", **kw)  # noqa: E731
        return {
            "plate": make(
                code="plate_no",
                label="车牌号",
                label_en="Plate number",
                field_type="text",
                searchable=True,
                show_in_list=True,
            ),
            "premium": make(code="premium", label="保费", field_type="money", required=True),
            "seats": make(code="seats", label="座位数", field_type="number"),
            "expires": make(code="expires_on", label="到期日", field_type="date"),
            "kind": make(
                code="policy_kind",
                label="险种",
                field_type="choice",
                choices=[
                    {"code": "compulsory", "label": "交强险", "label_en": "Compulsory"},
                    {"code": "commercial", "label": "商业险"},
                ],
            ),
            "extras": make(
                code="extras",
                label="附加险",
                field_type="multi_choice",
                choices=[
                    {"code": "glass", "label": "玻璃险"},
                    {"code": "theft", "label": "盗抢险"},
                ],
            ),
            "agent": make(code="agent", label="经办人", field_type="employee"),
            "vip": make(code="vip", label="VIP", field_type="boolean"),
        }


def test_values_are_coerced_to_exact_json(world, fields):
    with org_scope(world.org):
        values = custom_fields.clean_values(
            org_id=world.org.pk,
            entity="product",
            values={
                "plate_no": " 沪A12345 ",
                "premium": "1,234.5",
                "seats": 5,
                "expires_on": "2027-03-01",
                "policy_kind": "commercial",
                "extras": ["theft", "glass", "theft"],
                "agent": world.rep_a.pk,
                "vip": "是",
            },
        )
    assert values == {
        "plate_no": "沪A12345",
        "premium": "1234.50",
        "seats": "5",
        "expires_on": "2027-03-01",
        "policy_kind": "commercial",
        "extras": ["glass", "theft"],
        "agent": world.rep_a.pk,
        "vip": True,
    }


@pytest.mark.parametrize(
    ("code", "bad"),
    [
        ("premium", "abc"),
        ("premium", "NaN"),
        ("seats", "1e999999"),
        ("expires_on", "2027-13-01"),
        ("policy_kind", "nonsense"),
        ("extras", ["glass", "x"]),
        ("vip", "maybe"),
        ("plate_no", "x" * 1001),
        ("plate_no", {"a": 1}),
    ],
)
def test_bad_values_are_named_in_the_error(world, fields, code, bad):
    with org_scope(world.org), pytest.raises(ValidationError) as info:
        custom_fields.clean_values(
            org_id=world.org.pk, entity="product", values={"premium": "1", code: bad}
        )
    assert "custom" in info.value.message_dict


def test_employee_of_another_org_is_refused(world, other_world, fields):
    with org_scope(world.org), pytest.raises(ValidationError):
        custom_fields.clean_values(
            org_id=world.org.pk,
            entity="product",
            values={"premium": "1", "agent": other_world.rep_a.pk},
        )


def test_required_unknown_and_partial_updates(world, fields):
    with org_scope(world.org):
        with pytest.raises(ValidationError) as info:
            custom_fields.clean_values(
                org_id=world.org.pk, entity="product", values={"plate_no": "京A1"}
            )
        assert "保费" in " ".join(info.value.message_dict["custom"])
        with pytest.raises(ValidationError):
            custom_fields.clean_values(
                org_id=world.org.pk, entity="product", values={"premium": "1", "nope": 1}
            )
        merged = custom_fields.clean_values(
            org_id=world.org.pk,
            entity="product",
            values={"plate_no": ""},
            existing={"plate_no": "京A1", "premium": "9.00"},
        )
        assert merged == {"premium": "9.00"}  # empty value removes the key


def test_display_in_both_languages(world, fields):
    custom = {
        "policy_kind": "compulsory",
        "extras": ["glass", "theft"],
        "vip": True,
        "agent": world.rep_a.pk,
    }
    with org_scope(world.org):
        defs = custom_fields.definitions("product")
        rows = dict((d.code, text) for d, text in custom_fields.display_rows(custom, defs))
        assert rows["policy_kind"] == "交强险"
        assert rows["extras"] == "玻璃险、盗抢险"
        assert rows["vip"] == "是"
        assert rows["agent"] == "张三"
        with translation.override("en"):
            assert fields["plate"].display_label == "Plate number"
            english = dict((d.code, t) for d, t in custom_fields.display_rows(custom, defs))
            assert english["policy_kind"] == "Compulsory"
            assert english["vip"] == "Yes"


def test_form_round_trip(world, fields):
    from django import forms

    with org_scope(world.org):
        defs = custom_fields.definitions("product")
        form_class = type("F", (forms.Form,), custom_fields.form_fields(defs))
        form = form_class(
            data={
                "cf_plate_no": "沪B2",
                "cf_premium": "10.5",
                "cf_expires_on": "2027-01-02",
                "cf_policy_kind": "commercial",
                "cf_extras": ["glass"],
                "cf_agent": str(world.rep_b.pk),
                "cf_vip": "on",
            }
        )
        assert form.is_valid(), form.errors
        values = custom_fields.values_from_form(form.cleaned_data, defs)
        stored = custom_fields.clean_values(org_id=world.org.pk, entity="product", values=values)
        assert stored["premium"] == "10.50" and stored["agent"] == world.rep_b.pk
        initial = custom_fields.form_initial(stored, defs)
        assert initial["cf_expires_on"] == datetime.date(2027, 1, 2)


def test_filter_q_on_a_real_json_column(world, fields):
    """Filters run against a model with a ``custom`` column (the audit record's
    ``changes`` JSON stands in for it here, same lookups)."""
    with org_scope(world.org):
        defs = custom_fields.definitions("product")
        q = custom_fields.filter_q(
            defs, {"cf_plate_no": "a123", "cf_vip": "true", "cf_seats": "not-a-number"}
        )
        assert "plate_no" in str(q) and "vip" in str(q) and "seats" not in str(q)


def test_definition_rules(world, fields, monkeypatch):
    monkeypatch.setitem(custom_fields.ENTITIES, "contact", ("联系人", "contacts"))
    with org_scope(world.org):
        with pytest.raises(ValidationError):  # duplicate code for the entity
            services.custom_field_create(
                actor=world.admin, entity="product", code="plate_no", label="x", field_type="text"
            )
        services.custom_field_create(
            actor=world.admin, entity="contact", code="plate_no", label="车牌", field_type="text"
        )  # other entity: fine
        with pytest.raises(ValidationError):
            services.custom_field_create(
                actor=world.admin, entity="planet", code="x", label="x", field_type="text"
            )
        with pytest.raises(ValidationError):
            services.custom_field_create(
                actor=world.admin, entity="product", code="Bad Code", label="x", field_type="text"
            )
        with pytest.raises(ValidationError):  # choice without options
            services.custom_field_create(
                actor=world.admin,
                entity="product",
                code="c1",
                label="x",
                field_type="choice",
                choices=[],
            )
        with pytest.raises(ValidationError):  # options on a text field
            services.custom_field_create(
                actor=world.admin,
                entity="product",
                code="t1",
                label="x",
                field_type="text",
                choices=[{"code": "a", "label": "A"}],
            )
        with pytest.raises(ValidationError):
            services.custom_field_update(
                actor=world.admin, field=fields["plate"], field_type="number"
            )
        updated = services.custom_field_update(
            actor=world.admin,
            field=fields["kind"],
            choices=[{"code": "compulsory", "label": "交强"}],
            label="险种类别",
        )
        assert updated.label == "险种类别" and len(updated.choices) == 1
        with pytest.raises(PermissionDenied):
            services.custom_field_create(
                actor=world.rep_a, entity="product", code="z", label="z", field_type="text"
            )
        assert CustomField.objects.filter(entity="product").count() == 8


def test_inactive_fields_are_not_offered(world, fields):
    with org_scope(world.org):
        services.custom_field_update(actor=world.admin, field=fields["vip"], is_active=False)
        codes = [d.code for d in custom_fields.definitions("product")]
        assert "vip" not in codes
        assert "vip" in [d.code for d in custom_fields.definitions("product", active_only=False)]


def test_api_create_and_read(world, api):
    client = api(world.admin)
    response = client.post(
        "/api/v1/custom-fields",
        {
            "entity": "product",
            "code": "policy_no",
            "label": "保单号",
            "field_type": "text",
            "searchable": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    listing = api(world.rep_a).get("/api/v1/custom-fields", {"entity": "product"})
    assert [f["code"] for f in listing.json()["items"]] == ["policy_no"]
    change_type = client.patch(
        f"/api/v1/custom-fields/{response.json()['id']}", {"field_type": "number"}, format="json"
    )
    assert change_type.status_code == 400
