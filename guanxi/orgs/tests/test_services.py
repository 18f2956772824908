"""Services of orgs: departments, roles, employees, dictionaries, settings, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import services
from guanxi.orgs.models import Department, DictionaryEntry, Employee, Organization, Role
from guanxi.orgs.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_org_create_seeds_everything(db):
    with all_orgs():
        org, admin = services.org_create(
            code="Acme", name="艾克米", admin_username="boss", admin_password=PASSWORD
        )
    assert org.code == "acme"
    with org_scope(org):
        assert Department.objects.get(parent=None).name == "艾克米"
        assert Role.objects.filter(is_admin=True).count() == 1
        assert Role.objects.count() == 8
        assert DictionaryEntry.objects.filter(kind="industry").count() >= 10
        assert admin.roles.get().is_admin


@pytest.mark.parametrize(
    ("code", "field"), [("a", "code"), ("Bad Code", "code"), ("alpha", "code")]
)
def test_org_create_refusals_leave_nothing(world, code, field):
    before = Organization.objects.count()
    with all_orgs(), pytest.raises(ValidationError) as info:
        services.org_create(code=code, name="x", admin_username="a1", admin_password=PASSWORD)
    assert field in info.value.message_dict
    assert Organization.objects.count() == before


def test_org_create_weak_password_rolls_back_the_org(db):
    with all_orgs(), pytest.raises(ValidationError):
        services.org_create(code="weak", name="弱", admin_username="boss", admin_password="123")
    assert not Organization.objects.filter(code="weak").exists()


def test_department_create_audited_and_name_unique_among_siblings(world):
    with org_scope(world.org):
        team = services.department_create(actor=world.admin, name="上海组", parent=world.east)
        assert team.path == f"{world.east.path}{team.pk}/" and team.depth == 3
        with pytest.raises(ValidationError):
            services.department_create(actor=world.admin, name="上海组", parent=world.east)
        services.department_create(actor=world.admin, name="上海组", parent=world.north)
        record = ChangeRecord.objects.get(entity="orgs.department", object_id=str(team.pk))
        assert record.action == "create" and record.changes["name"]["new"] == "上海组"


def test_department_move_updates_whole_subtree(world):
    with org_scope(world.org):
        team = services.department_create(actor=world.admin, name="上海组", parent=world.east)
        services.department_update(actor=world.admin, department=world.east, parent=world.service)
        team.refresh_from_db()
        assert team.path == f"/{world.root.pk}/{world.service.pk}/{world.east.pk}/{team.pk}/"
        assert team.depth == 3
        with pytest.raises(ValidationError):
            services.department_update(actor=world.admin, department=world.service, parent=team)


def test_department_delete_rules(world):
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.department_delete(actor=world.admin, department=world.root)
        with pytest.raises(BusinessRuleError):
            services.department_delete(actor=world.admin, department=world.sales)
        empty = services.department_create(actor=world.admin, name="临时组", parent=world.root)
        services.role_create(
            actor=world.admin,
            name="看临时组",
            permissions=["customers.view"],
            data_scopes={"customers": {"scope": "chosen", "departments": [empty.pk]}},
        )
        with pytest.raises(BusinessRuleError) as info:
            services.department_delete(actor=world.admin, department=empty)
        assert info.value.code == "in_role_scope"


def test_rep_cannot_touch_setup(world):
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.department_create(actor=world.rep_a, name="x", parent=world.root)
        with pytest.raises(PermissionDenied):
            services.settings_update(actor=world.rep_a, currency="USD")


def test_employee_manager_cycle_is_refused(world):
    with org_scope(world.org), pytest.raises(ValidationError) as info:
        services.employee_update(actor=world.admin, employee=world.manager, manager=world.rep_a)
    assert "manager" in info.value.message_dict


def test_employee_update_audits_field_changes(world):
    with org_scope(world.org):
        services.employee_update(
            actor=world.admin, employee=world.rep_a, title="资深销售", department=world.north
        )
        record = ChangeRecord.objects.filter(
            entity="orgs.employee", object_id=str(world.rep_a.pk)
        ).latest("id")
    assert record.changes["title"] == {"old": "", "new": "资深销售"}
    assert record.changes["department"]["new"]["repr"] == "华北组"
    assert record.actor_id == world.admin.pk


def test_stale_employee_edit_is_refused(world):
    with org_scope(world.org):
        version = world.rep_a.version
        services.employee_update(
            actor=world.admin, employee=world.rep_a, version=version, title="A"
        )
        with pytest.raises(StaleVersion):
            services.employee_update(
                actor=world.admin, employee=world.rep_a, version=version, title="B"
            )
        assert Employee.objects.get(pk=world.rep_a.pk).title == "A"


def test_leave_disables_login_and_reactivate_restores(world):
    with org_scope(world.org):
        services.employee_leave(actor=world.admin, employee=world.rep_a)
        world.rep_a.user.refresh_from_db()
        assert not world.rep_a.user.is_active
        with pytest.raises(BusinessRuleError):
            services.employee_leave(actor=world.admin, employee=world.rep_a)
        services.employee_reactivate(actor=world.admin, employee=world.rep_a)
        world.rep_a.user.refresh_from_db()
        assert world.rep_a.user.is_active


def test_admin_cannot_leave_themself_nor_strip_last_admin_role(world):
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.employee_leave(actor=world.admin, employee=world.admin)
        admin_role = Role.objects.get(is_admin=True)
        with pytest.raises(BusinessRuleError) as info:
            services.role_update(actor=world.admin, role=admin_role, is_admin=False)
        assert info.value.code == "last_admin"
        with pytest.raises(BusinessRuleError):
            services.role_delete(actor=world.admin, role=admin_role)


def test_second_admin_allows_first_to_leave(world):
    with org_scope(world.org):
        admin_role = Role.objects.get(is_admin=True)
        services.employee_update(actor=world.admin, employee=world.manager, roles=[admin_role])
        manager = Employee.objects.get(pk=world.manager.pk)
        services.employee_leave(actor=manager, employee=world.admin)
        assert Employee.objects.get(pk=world.admin.pk).status == "left"


def test_dictionary_entries(world):
    with org_scope(world.org):
        entry = services.dictionary_entry_create(
            actor=world.admin,
            kind="industry",
            code="agri",
            label="农业",
            label_en="Agriculture",
            color="#00aa00",
        )
        with pytest.raises(ValidationError):
            services.dictionary_entry_create(
                actor=world.admin, kind="industry", code="agri", label="重复"
            )
        with pytest.raises(ValidationError):
            services.dictionary_entry_create(
                actor=world.admin, kind="nonsense", code="x", label="x"
            )
        with pytest.raises(ValidationError):
            services.dictionary_entry_update(actor=world.admin, entry=entry, color="red")
        with pytest.raises(ValidationError):
            services.dictionary_entry_update(actor=world.admin, entry=entry, code="other")
        ids = list(
            DictionaryEntry.objects.filter(kind="credit_rating")
            .order_by("sort_order")
            .values_list("pk", flat=True)
        )
        services.dictionary_reorder(actor=world.admin, kind="credit_rating", ids=ids[::-1])
        codes = list(
            DictionaryEntry.objects.filter(kind="credit_rating")
            .order_by("sort_order")
            .values_list("code", flat=True)
        )
        assert codes == ["stop", "c", "b", "a", "aa", "aaa"]
        with pytest.raises(ValidationError):
            services.dictionary_reorder(actor=world.admin, kind="credit_rating", ids=ids[:2])


def test_settings_update_validates_and_audits(world):
    with org_scope(world.org):
        updated = services.settings_update(
            actor=world.admin, churn_threshold_days=60, work_days=[5, 1, 1, 2]
        )
        assert updated.work_days == [1, 2, 5]
        with pytest.raises(ValidationError):
            services.settings_update(actor=world.admin, work_days=[])
        with pytest.raises(ValidationError):
            services.settings_update(actor=world.admin, currency="rmb")
        with pytest.raises(ValidationError):
            services.settings_update(actor=world.admin, bogus=1)
        assert ChangeRecord.objects.filter(entity="orgs.orgsettings").count() == 1


def test_org_created_from_an_english_request_gets_the_default_language_seeds(db):
    from django.utils import translation

    with translation.override("en"), all_orgs():
        org, _admin = services.org_create(
            code="engco", name="Eng Co", admin_username="boss", admin_password=PASSWORD
        )
    with org_scope(org):
        assert Role.objects.filter(name="销售代表").exists()
