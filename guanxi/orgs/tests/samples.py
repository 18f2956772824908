"""Isolation-matrix samples for the orgs resources (see guanxi/api/tests/matrix.py)."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import all_orgs
from guanxi.orgs.models import DictionaryEntry
from guanxi.orgs.tests.factories import DepartmentFactory, EmployeeFactory, role


@sample(
    "department",
    change={"name": "改名部门"},
    check_field="name",
    create=lambda w: {"name": "新部门", "parent": w.root.pk},
)
def build_department(world):
    return DepartmentFactory(org=world.org, name="样本部门", parent=world.sales)


@sample(
    "employee",
    change={"name": "改名员工"},
    check_field="name",
    create=lambda w: {
        "username": "newbie",
        "password": "Sample-Pass-2026",
        "name": "新员工",
        "department": w.east.pk,
    },
)
def build_employee(world):
    return EmployeeFactory(
        org=world.org, name="样本员工", department=world.north, roles=[role(world.org, "销售代表")]
    )


@sample(
    "role",
    change={"description": "改过的说明"},
    check_field="description",
    create=lambda w: {"name": "新角色", "permissions": ["customers.view"]},
)
def build_role(world):
    from guanxi.orgs.models import Role

    with all_orgs():
        return Role.objects.create(org=world.org, name="样本角色", permissions=["customers.view"])


@sample(
    "dictionary-entry",
    change={"label": "改名"},
    check_field="label",
    create=lambda w: {"kind": "industry", "code": "new_one", "label": "新行业"},
)
def build_dictionary_entry(world):
    with all_orgs():
        return DictionaryEntry.objects.create(
            org=world.org, kind="industry", code="sample", label="样本行业"
        )


@sample(
    "custom-field",
    change={"label": "改名字段"},
    check_field="label",
    create=lambda w: {
        "entity": "product",
        "code": "plate_no",
        "label": "车牌号",
        "field_type": "text",
    },
)
def build_custom_field(world):
    from guanxi.orgs.models import CustomField

    with all_orgs():
        return CustomField.objects.create(
            org=world.org, entity="product", code="policy_no", label="保单号", field_type="text"
        )
