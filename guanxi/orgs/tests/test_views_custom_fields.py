"""Custom field setup screens."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import services
from guanxi.orgs.models import CustomField

pytestmark = pytest.mark.django_db
URL = "/setup/custom-fields/"


def _count(org):
    with all_orgs():
        return CustomField.objects.filter(org=org).count()


def test_admin_adds_a_choice_field(world, web):
    client = web(world.admin)
    response = client.post(
        URL + "?entity=product",
        {
            "new-code": "policy_kind",
            "new-label": "险种",
            "new-label_en": "Policy type",
            "new-field_type": "choice",
            "new-is_active": "on",
            "new-show_in_list": "on",
            "new-choices_text": "compulsory=交强险=Compulsory\ncommercial＝商业险",
        },
    )
    assert response.status_code == 302
    with all_orgs():
        field = CustomField.objects.get(org=world.org, code="policy_kind")
    assert field.entity == "product" and field.show_in_list and field.is_active
    assert field.choices == [
        {"code": "compulsory", "label": "交强险", "label_en": "Compulsory"},
        {"code": "commercial", "label": "商业险", "label_en": ""},
    ]
    page = client.get(URL + "?entity=product")
    assert "险种" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"new-code": "Bad Code", "new-label": "x", "new-field_type": "text"},
            "代码以小写字母开头",
        ),
        (
            {
                "new-code": "kind",
                "new-label": "x",
                "new-field_type": "choice",
                "new-choices_text": "",
            },
            "请至少设置一个选项",
        ),
        (
            {
                "new-code": "kind",
                "new-label": "x",
                "new-field_type": "choice",
                "new-choices_text": "only-a-code",
            },
            "第 1 行格式不对",
        ),
        ({"new-code": "kind", "new-label": "", "new-field_type": "text"}, "该字段是必填项"),
    ],
)
def test_bad_input_is_shown_and_nothing_written(world, web, data, message):
    before = _count(world.org)
    response = web(world.admin).post(URL + "?entity=product", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _count(world.org) == before


def test_edit_changes_labels_and_options_not_type(world, web):
    with org_scope(world.org):
        field = services.custom_field_create(
            actor=world.admin,
            entity="product",
            code="kind",
            label="险种",
            field_type="choice",
            choices=[{"code": "a", "label": "甲"}],
        )
    client = web(world.admin)
    page = client.get(f"{URL}{field.pk}/")
    assert page.status_code == 200 and "a=甲" in page.content.decode()
    response = client.post(
        f"{URL}{field.pk}/",
        {
            "label": "险种类别",
            "choices_text": "a=甲\nb=乙",
            "is_active": "on",
            "field_type": "number",
        },
    )  # ignored: not a field of the edit form
    assert response.status_code == 302
    with all_orgs():
        field.refresh_from_db()
    assert field.label == "险种类别" and field.field_type == "choice" and len(field.choices) == 2


def test_delete(world, web):
    with org_scope(world.org):
        field = services.custom_field_create(
            actor=world.admin, entity="product", code="origin", label="产地", field_type="text"
        )
    response = web(world.admin).post(f"{URL}{field.pk}/delete/")
    assert response.status_code == 302
    assert _count(world.org) == 0


def test_permissions_and_isolation(world, other_world, web):
    with org_scope(other_world.org):
        foreign = services.custom_field_create(
            actor=other_world.admin,
            entity="product",
            code="secret",
            label="机密",
            field_type="text",
        )
    admin = web(world.admin)
    assert admin.get(f"{URL}{foreign.pk}/").status_code == 404
    assert admin.post(f"{URL}{foreign.pk}/delete/").status_code == 404
    assert _count(other_world.org) == 1

    rep = web(world.rep_a)
    assert rep.get(URL).status_code == 403
    assert (
        rep.post(
            URL + "?entity=product", {"new-code": "x", "new-label": "x", "new-field_type": "text"}
        ).status_code
        == 403
    )
    assert _count(world.org) == 0


def test_readonly_sees_the_list_without_forms(world, web):
    client = web(world.readonly)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="custom-field-form"' not in page.content.decode()
    assert (
        client.post(URL, {"new-code": "x", "new-label": "x", "new-field_type": "text"}).status_code
        == 403
    )


def test_list_query_count_is_flat(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with org_scope(world.org):
        for index in range(15):
            services.custom_field_create(
                actor=world.admin,
                entity="product",
                code=f"f{index}",
                label=f"字段{index}",
                field_type="text",
            )
    with django_assert_max_num_queries(12):
        assert client.get(URL + "?entity=product").status_code == 200


def test_english_page(world, web):
    client = web(world.admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Custom fields" in text
