"""Every write to orgs, departments, roles, employees and setup data.

Each service checks the actor's permission through ``policy``, validates,
writes inside one transaction, and records the change in the audit log.
Validation failures raise ``ValidationError`` before anything is written.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.accounts import services as accounts
from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.core.trees import tree_move, tree_place
from guanxi.core.versioning import bump_version, lock_for_update
from guanxi.orgs import defaults, dictionaries, numbering, policy
from guanxi.orgs import permissions as perms
from guanxi.orgs.models import (
    Department,
    DictionaryEntry,
    Employee,
    NumberingRule,
    Organization,
    OrgSettings,
    Role,
)
from guanxi.orgs.permissions import DataScope

UNSET = object()

DEPARTMENT_FIELDS = ("name", "parent", "sort_order")
ROLE_FIELDS = ("name", "description", "is_admin", "permissions", "data_scopes")
EMPLOYEE_FIELDS = (
    "name",
    "department",
    "manager",
    "roles",
    "title",
    "skills",
    "status",
    "mobile",
    "email",
)
SETTINGS_FIELDS = tuple(
    f.name
    for f in OrgSettings._meta.concrete_fields
    if f.name not in ("id", "org", "created_at", "updated_at")
)


def _full_clean(instance, exclude=()):
    instance.full_clean(
        exclude=["org", *exclude], validate_unique=False, validate_constraints=False
    )


def _same_org(actor, *objects):
    for obj in objects:
        if obj is not None and obj.org_id != actor.org_id:
            raise ValidationError(_("引用的记录不属于本组织。"), code="other_org")


# ---- orgs ----------------------------------------------------------------------------

# What other apps set up in a new org (sales: its default pipeline…). orgs may not import
# those apps, so each registers its service here at ``ready()``; ``org_create`` calls them
# inside the new org's scope and the creating transaction.
ORG_CREATED_REACTIONS: list = []


def on_org_created(reaction):
    """Register ``reaction(*, org, admin)``, run when an org is created."""
    if reaction not in ORG_CREATED_REACTIONS:
        ORG_CREATED_REACTIONS.append(reaction)
    return reaction


@transaction.atomic
def org_create(*, code, name, admin_username, admin_password, admin_name=None):
    """Create an org with its root department, default roles, dictionaries,
    numbering rules and parameters, and its first admin employee."""
    org = Organization(code=(code or "").strip().lower(), name=(name or "").strip())
    org.full_clean(validate_unique=False)
    if Organization.objects.filter(code=org.code).exists():
        raise ValidationError({"code": [_("该组织代码已被使用。")]}, code="duplicate")
    org.save()
    # seeded names (roles, root department) are in the installation's language,
    # whatever language the request that created the org was in
    with org_scope(org), translation.override(settings.LANGUAGE_CODE):
        OrgSettings.objects.create(org=org, work_days=[1, 2, 3, 4, 5])
        root = Department.objects.create(org=org, name=org.name)
        tree_place(root)
        roles = {}
        for key, role_name, description, is_admin, codes, scopes in defaults.ROLES:
            roles[key] = Role.objects.create(
                org=org,
                name=str(role_name),
                description=str(description),
                is_admin=is_admin,
                permissions=sorted(set(codes)),
                data_scopes=scopes,
            )
        DictionaryEntry.objects.bulk_create(
            DictionaryEntry(
                org=org,
                kind=kind,
                code=code_,
                label=zh,
                label_en=en,
                color=color,
                sort_order=index * 10,
            )
            for kind, entries in dictionaries.DEFAULTS.items()
            for index, (code_, zh, en, color) in enumerate(entries)
        )
        NumberingRule.objects.bulk_create(
            NumberingRule(org=org, target=target, pattern=pattern)
            for target, (_label, pattern) in numbering.TARGETS.items()
        )
        user = accounts.user_create(org=org, username=admin_username, password=admin_password)
        admin = Employee.objects.create(
            org=org, user=user, name=admin_name or admin_username, department=root
        )
        admin.roles.add(roles["admin"])
        for reaction in ORG_CREATED_REACTIONS:
            reaction(org=org, admin=admin)
    return org, admin


@transaction.atomic
def operator_admin_add(*, org, username, password, name=None):
    """Add an employee holding the org's admin role, in the root department.

    For the installation's operator (the ``guanxi create-admin`` command) when
    an org has no admin left who could do it; audited with no employee as actor.
    """
    with org_scope(org):
        admin_role = Role.objects.filter(is_admin=True).order_by("id").first()
        root = Department.objects.filter(parent=None).order_by("id").first()
        if admin_role is None or root is None:
            raise BusinessRuleError(
                _("组织 %(code)s 缺少管理员角色或根部门，无法添加管理员。") % {"code": org.code},
                code="org_incomplete",
            )
        employee = Employee(org=org, name=(name or username or "").strip(), department=root)
        _full_clean(employee, exclude=["user"])
        employee.user = accounts.user_create(org=org, username=username, password=password)
        employee.save()
        employee.roles.add(admin_role)
        audit.record_change(
            actor=None,
            instance=employee,
            action=ChangeRecord.Action.CREATE,
            after=audit.snapshot(employee, EMPLOYEE_FIELDS),
        )
    return employee


@transaction.atomic
def operator_password_reset(*, org, username, password):
    """Set a new password for an org's employee login and clear its lockout.

    For the installation's operator (``guanxi set-password``); audited with no
    employee as actor.
    """
    from guanxi.accounts.models import User

    user = User.objects.filter(
        org=org, kind=User.Kind.EMPLOYEE, username__iexact=(username or "").strip()
    ).first()
    if user is None:
        raise ValidationError(
            {
                "username": [
                    _("组织 %(code)s 中没有用户名为 %(username)s 的员工。")
                    % {"code": org.code, "username": username}
                ]
            },
            code="not_found",
        )
    accounts.password_set(user=user, password=password)
    with org_scope(org):
        employee = Employee.objects.filter(user=user).first()
        if employee is not None:
            audit.record_change(
                actor=None,
                instance=employee,
                action=ChangeRecord.Action.UPDATE,
                before={"password": "***"},
                after={"password": "*** (reset)"},
            )
    return user


def org_settings(org_id):
    return OrgSettings.objects.get(org_id=org_id)


@transaction.atomic
def settings_update(*, actor, **fields):
    policy.require(actor, "parameters.edit")
    current = OrgSettings.objects.select_for_update().get(org_id=actor.org_id)
    before = audit.snapshot(current, SETTINGS_FIELDS)
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise ValidationError({name: [_("未知字段。")]}, code="unknown_field")
        setattr(current, name, value)
    days = current.work_days
    if (
        not isinstance(days, list)
        or not days
        or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days)
    ):
        raise ValidationError({"work_days": [_("请至少选择一个工作日（1=周一 … 7=周日）。")]})
    current.work_days = sorted(set(days))
    _full_clean(current)  # field types first: the comparisons below need real times
    if current.work_start >= current.work_end:
        raise ValidationError({"work_end": [_("下班时间必须晚于上班时间。")]})
    current.save()
    audit.record_change(
        actor=actor,
        instance=current,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(current, SETTINGS_FIELDS),
    )
    return current


# ---- departments ---------------------------------------------------------------------


def _check_department_name(actor, name, parent, exclude_pk=None):
    clash = Department.objects.filter(parent=parent, name=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": [_("同一上级部门下已有同名部门。")]}, code="duplicate")


@transaction.atomic
def department_create(*, actor, name, parent, sort_order=0):
    policy.require(actor, "departments.create")
    if parent is None:
        raise ValidationError({"parent": [_("请选择上级部门。")]}, code="required")
    _same_org(actor, parent)
    department = Department(
        org_id=actor.org_id, name=(name or "").strip(), parent=parent, sort_order=sort_order
    )
    _full_clean(department, exclude=["path", "depth"])
    _check_department_name(actor, department.name, parent)
    department.save()
    tree_place(department)
    audit.record_change(
        actor=actor,
        instance=department,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(department, DEPARTMENT_FIELDS),
    )
    return department


@transaction.atomic
def department_update(*, actor, department, name=UNSET, parent=UNSET, sort_order=UNSET):
    """Rename, reorder or move a department; moving carries its whole subtree."""
    policy.require(actor, "departments.edit")
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = audit.snapshot(department, DEPARTMENT_FIELDS)
    if name is not UNSET:
        department.name = (name or "").strip()
    if sort_order is not UNSET:
        department.sort_order = sort_order
    _full_clean(department, exclude=["path", "depth", "parent"])
    target_parent = department.parent if parent is UNSET else parent
    if parent is not UNSET and parent != department.parent:
        if department.parent_id is None:
            raise ValidationError({"parent": [_("根部门不能移动。")]}, code="root")
        if parent is None:
            raise ValidationError({"parent": [_("请选择上级部门。")]}, code="required")
        _same_org(actor, parent)
        _check_department_name(actor, department.name, parent, exclude_pk=department.pk)
        tree_move(department, parent)
    else:
        _check_department_name(actor, department.name, target_parent, exclude_pk=department.pk)
    department.save(update_fields=["name", "sort_order", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=department,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(department, DEPARTMENT_FIELDS),
    )
    return department


@transaction.atomic
def department_delete(*, actor, department):
    policy.require(actor, "departments.delete")
    if department.parent_id is None:
        raise BusinessRuleError(_("根部门不能删除。"), code="root")
    if department.children.exists():
        raise BusinessRuleError(
            _("该部门下还有下级部门，请先移走或删除它们。"), code="has_children"
        )
    if department.employees.exists():
        raise BusinessRuleError(
            _("该部门下还有员工（含离职员工），请先调整他们的部门。"), code="has_employees"
        )
    in_roles = [
        role.name
        for role in Role.objects.all()
        if any(
            str(department.pk) in map(str, spec.get("departments", []))
            for spec in (role.data_scopes or {}).values()
        )
    ]
    if in_roles:
        raise BusinessRuleError(
            _("角色 %(roles)s 的数据范围引用了该部门，请先修改这些角色。")
            % {"roles": "、".join(in_roles)},
            code="in_role_scope",
        )
    audit.record_change(
        actor=actor,
        instance=department,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(department, DEPARTMENT_FIELDS),
    )
    department.delete()


# ---- roles ---------------------------------------------------------------------------


def clean_permissions(codes):
    if not isinstance(codes, list | tuple) or any(not isinstance(c, str) for c in codes):
        raise ValidationError({"permissions": [_("权限必须是权限代码的列表。")]})
    unknown = sorted(set(codes) - set(perms.all_codes()))
    if unknown:
        raise ValidationError(
            {"permissions": [_("未知的权限代码：%(codes)s") % {"codes": ", ".join(unknown)}]}
        )
    return sorted(set(codes))


def clean_data_scopes(org_id, scopes):
    if not isinstance(scopes, dict):
        raise ValidationError({"data_scopes": [_("数据范围必须是“模块: 范围”的对象。")]})
    cleaned, chosen_ids = {}, set()
    for module, spec in scopes.items():
        if module not in perms.scoped_modules():
            raise ValidationError({"data_scopes": [_("模块 %(m)s 没有数据范围。") % {"m": module}]})
        if isinstance(spec, str):
            spec = {"scope": spec}
        if not isinstance(spec, dict) or spec.get("scope") not in DataScope.values:
            raise ValidationError(
                {
                    "data_scopes": [
                        _("模块 %(m)s 的数据范围无效，可选：%(v)s")
                        % {"m": module, "v": ", ".join(DataScope.values)}
                    ]
                }
            )
        departments = spec.get("departments") or []
        if spec["scope"] == DataScope.CHOSEN:
            if not departments:
                raise ValidationError(
                    {
                        "data_scopes": [
                            _("模块 %(m)s 选择了“指定部门”，请至少选择一个部门。") % {"m": module}
                        ]
                    }
                )
            try:
                departments = sorted({int(pk) for pk in departments})
            except (TypeError, ValueError) as exc:
                raise ValidationError({"data_scopes": [_("部门编号无效。")]}) from exc
            chosen_ids.update(departments)
        else:
            departments = []
        cleaned[module] = {"scope": spec["scope"], "departments": departments}
    if chosen_ids:
        found = set(
            Department.objects.filter(org_id=org_id, pk__in=chosen_ids).values_list("pk", flat=True)
        )
        if found != chosen_ids:
            raise ValidationError({"data_scopes": [_("数据范围中包含不存在的部门。")]})
    return cleaned


def _admin_count(exclude_employee=None, exclude_role=None):
    """Active employees who would still hold an admin role."""
    admin_roles = Role.objects.filter(is_admin=True)
    if exclude_role is not None:
        admin_roles = admin_roles.exclude(pk=exclude_role.pk)
    qs = Employee.objects.filter(
        status=Employee.Status.ACTIVE, user__is_active=True, roles__in=admin_roles
    )
    if exclude_employee is not None:
        qs = qs.exclude(pk=exclude_employee.pk)
    return qs.distinct().count()


@transaction.atomic
def role_create(*, actor, name, description="", permissions=(), data_scopes=None, is_admin=False):
    policy.require(actor, "roles.create")
    if is_admin and not policy.is_admin(actor):
        raise BusinessRuleError(_("只有系统管理员可以创建管理员角色。"), code="admin_only")
    role = Role(
        org_id=actor.org_id,
        name=(name or "").strip(),
        description=description or "",
        is_admin=bool(is_admin),
        permissions=clean_permissions(list(permissions)),
        data_scopes=clean_data_scopes(actor.org_id, data_scopes or {}),
    )
    _full_clean(role)
    if Role.objects.filter(name=role.name).exists():
        raise ValidationError({"name": [_("已有同名角色。")]}, code="duplicate")
    role.save()
    audit.record_change(
        actor=actor,
        instance=role,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(role, ROLE_FIELDS),
    )
    return role


@transaction.atomic
def role_update(*, actor, role, version=None, **fields):
    policy.require(actor, "roles.edit")
    role = lock_for_update(Role, role.pk, expected_version=version)
    before = audit.snapshot(role, ROLE_FIELDS)
    if ("is_admin" in fields or role.is_admin) and not policy.is_admin(actor):
        raise BusinessRuleError(_("只有系统管理员可以修改管理员角色。"), code="admin_only")
    for name, value in fields.items():
        if name == "permissions":
            value = clean_permissions(value)
        elif name == "data_scopes":
            value = clean_data_scopes(actor.org_id, value)
        elif name == "name":
            value = (value or "").strip()
            if Role.objects.filter(name=value).exclude(pk=role.pk).exists():
                raise ValidationError({"name": [_("已有同名角色。")]}, code="duplicate")
        elif name not in ROLE_FIELDS:
            raise ValidationError({name: [_("未知字段。")]}, code="unknown_field")
        setattr(role, name, value)
    if before["is_admin"] and not role.is_admin and _admin_count(exclude_role=role) == 0:
        raise BusinessRuleError(_("不能取消最后一个管理员的管理员权限。"), code="last_admin")
    _full_clean(role)
    bump_version(role)
    role.save()
    role.refresh_from_db()
    audit.record_change(
        actor=actor,
        instance=role,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(role, ROLE_FIELDS),
    )
    return role


@transaction.atomic
def role_delete(*, actor, role):
    policy.require(actor, "roles.delete")
    in_use = role.employees.count()
    if in_use:
        raise BusinessRuleError(
            _("该角色仍被 %(n)d 名员工使用，不能删除。") % {"n": in_use}, code="in_use"
        )
    if role.is_admin and Role.objects.filter(is_admin=True).count() == 1:
        raise BusinessRuleError(_("不能删除最后一个管理员角色。"), code="last_admin")
    audit.record_change(
        actor=actor,
        instance=role,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(role, ROLE_FIELDS),
    )
    role.delete()


# ---- employees -----------------------------------------------------------------------


def clean_skills(skills):
    if not isinstance(skills, list | tuple) or any(
        not isinstance(s, str) or not s.strip() or len(s) > 50 for s in skills
    ):
        raise ValidationError({"skills": [_("技能必须是不超过 50 字的文本列表。")]})
    seen, cleaned = set(), []
    for skill in skills:
        if skill.strip() not in seen:
            seen.add(skill.strip())
            cleaned.append(skill.strip())
    return cleaned


def _check_manager(employee, manager):
    node = manager
    while node is not None:
        if node.pk == employee.pk:
            raise ValidationError({"manager": [_("上级不能是本人或其下属。")]}, code="cycle")
        node = node.manager


def _check_roles_assignable(actor, roles):
    if any(role.is_admin for role in roles) and not policy.is_admin(actor):
        raise BusinessRuleError(_("只有系统管理员可以授予管理员角色。"), code="admin_only")


@transaction.atomic
def employee_create(
    *,
    actor,
    username,
    password,
    name,
    department,
    manager=None,
    roles=(),
    title="",
    skills=(),
    mobile="",
    email="",
):
    policy.require(actor, "employees.create")
    roles = list(roles)
    _same_org(actor, department, manager, *roles)
    _check_roles_assignable(actor, roles)
    if department is None:
        raise ValidationError({"department": [_("请选择部门。")]}, code="required")
    employee = Employee(
        org_id=actor.org_id,
        name=(name or "").strip(),
        department=department,
        manager=manager,
        title=title or "",
        skills=clean_skills(list(skills)),
        mobile=(mobile or "").strip(),
        email=(email or "").strip(),
    )
    _full_clean(employee, exclude=["user"])
    user = accounts.user_create(org=actor.org, username=username, password=password)
    employee.user = user
    employee.save()
    employee.roles.set(roles)
    audit.record_change(
        actor=actor,
        instance=employee,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(employee, EMPLOYEE_FIELDS),
    )
    return employee


@transaction.atomic
def employee_update(*, actor, employee, version=None, **fields):
    """Edit an employee. ``roles`` replaces the role set; ``status`` may not be
    changed here (use ``employee_leave`` / ``employee_reactivate``)."""
    policy.require(actor, "employees.edit")
    employee = lock_for_update(Employee, employee.pk, expected_version=version)
    before = audit.snapshot(employee, EMPLOYEE_FIELDS)
    roles = fields.pop("roles", None)
    for name, value in fields.items():
        if name not in EMPLOYEE_FIELDS or name in ("status", "roles"):
            raise ValidationError({name: [_("该字段不能在此修改。")]}, code="unknown_field")
        if name == "skills":
            value = clean_skills(value)
        elif name in ("name", "mobile", "email", "title"):
            value = (value or "").strip()
        elif name in ("department", "manager"):
            _same_org(actor, value)
        setattr(employee, name, value)
    if employee.department_id is None:
        raise ValidationError({"department": [_("请选择部门。")]}, code="required")
    if employee.manager_id:
        _check_manager(employee, employee.manager)
    _full_clean(employee, exclude=["user"])
    if roles is not None:
        roles = list(roles)
        _same_org(actor, *roles)
        current = set(employee.roles.all())
        if set(roles) != current:
            _check_roles_assignable(actor, set(roles) ^ current)
            was_admin = any(r.is_admin for r in current)
            if (
                was_admin
                and not any(r.is_admin for r in roles)
                and employee.is_active
                and _admin_count(exclude_employee=employee) == 0
            ):
                raise BusinessRuleError(
                    _("这是最后一名管理员，不能取消其管理员角色。"), code="last_admin"
                )
            employee.roles.set(roles)
    bump_version(employee)
    employee.save()
    employee.refresh_from_db()
    policy.forget(employee)
    audit.record_change(
        actor=actor,
        instance=employee,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(employee, EMPLOYEE_FIELDS),
    )
    return employee


# What other apps do when an agent's availability changes (routing hands the tickets
# waiting in the queues to an agent who comes online). orgs may not import those apps, so
# each registers its reaction here at ``ready()``.
SERVICE_STATUS_REACTIONS: list = []


def on_service_status(reaction):
    """Register ``reaction(*, employee, previous)``, run after an agent's availability
    changed (in the same transaction)."""
    if reaction not in SERVICE_STATUS_REACTIONS:
        SERVICE_STATUS_REACTIONS.append(reaction)
    return reaction


@transaction.atomic
def employee_set_service_status(*, actor, employee, service_status):
    """Set an agent's availability (``online`` / ``busy`` / ``offline``): an employee sets
    their own; setting someone else's needs ``employees.edit``. Only an active employee
    can be online or busy."""
    if actor.pk != employee.pk:
        policy.require(actor, "employees.edit")
        _same_org(actor, employee)
    if service_status not in Employee.ServiceStatus.values:
        raise ValidationError(
            {"service_status": [_("坐席状态只能是 online、busy 或 offline。")]}, code="invalid"
        )
    if not employee.is_active and service_status != Employee.ServiceStatus.OFFLINE:
        raise BusinessRuleError(_("离职员工不能设为在线或忙碌。"), code="employee_left")
    previous = employee.service_status
    if previous != service_status:
        employee.service_status = service_status
        employee.service_status_at = timezone.now()
        Employee.objects.filter(pk=employee.pk).update(
            service_status=service_status, service_status_at=employee.service_status_at
        )
        for reaction in SERVICE_STATUS_REACTIONS:
            reaction(employee=employee, previous=previous)
    return employee


# What other apps do when an employee leaves (approvals hand the leaver's open steps to
# their manager…). orgs may not import those apps, so each registers its service here at
# ``ready()``; ``employee_leave`` calls them in turn inside its transaction, so a failing
# one undoes the whole leave.
LEAVE_REACTIONS: list = []


def on_leave(reaction):
    """Register ``reaction(*, employee, actor)``, run when an employee is marked as left."""
    if reaction not in LEAVE_REACTIONS:
        LEAVE_REACTIONS.append(reaction)
    return reaction


@transaction.atomic
def employee_leave(*, actor, employee):
    """Mark an employee as left: sign-in and API keys stop working at once.

    Their customers, deals, tasks and tickets stay theirs until handed over
    (customer handover arrives with the customer module).
    """
    policy.require(actor, "employees.edit")
    employee = lock_for_update(Employee, employee.pk)
    if employee.pk == actor.pk:
        raise BusinessRuleError(_("不能将自己设为离职。"), code="self")
    if not employee.is_active:
        raise BusinessRuleError(_("该员工已经离职。"), code="already_left")
    if (
        employee.roles.filter(is_admin=True).exists()
        and _admin_count(exclude_employee=employee) == 0
    ):
        raise BusinessRuleError(_("这是最后一名管理员，不能设为离职。"), code="last_admin")
    before = audit.snapshot(employee, EMPLOYEE_FIELDS)
    employee.status = Employee.Status.LEFT
    employee.left_at = timezone.now()
    employee.service_status = Employee.ServiceStatus.OFFLINE  # no more tickets routed to them
    bump_version(employee)
    employee.save()
    employee.refresh_from_db()
    type(employee.user).objects.filter(pk=employee.user_id).update(is_active=False)
    accounts.tokens_revoke_all(user=employee.user)
    audit.record_change(
        actor=actor,
        instance=employee,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(employee, EMPLOYEE_FIELDS),
    )
    for reaction in LEAVE_REACTIONS:
        reaction(employee=employee, actor=actor)
    return employee


@transaction.atomic
def employee_reactivate(*, actor, employee):
    policy.require(actor, "employees.edit")
    employee = lock_for_update(Employee, employee.pk)
    if employee.is_active:
        raise BusinessRuleError(_("该员工在职，无需恢复。"), code="already_active")
    before = audit.snapshot(employee, EMPLOYEE_FIELDS)
    employee.status = Employee.Status.ACTIVE
    employee.left_at = None
    bump_version(employee)
    employee.save()
    employee.refresh_from_db()
    type(employee.user).objects.filter(pk=employee.user_id).update(is_active=True)
    audit.record_change(
        actor=actor,
        instance=employee,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(employee, EMPLOYEE_FIELDS),
    )
    return employee


@transaction.atomic
def employee_set_password(*, actor, employee, password):
    """An admin resets an employee's password (also clears a lockout)."""
    policy.require(actor, "employees.edit")
    accounts.password_set(user=employee.user, password=password)
    audit.record_change(
        actor=actor,
        instance=employee,
        action=ChangeRecord.Action.UPDATE,
        before={"password": "***"},
        after={"password": "*** (reset)"},
    )


# ---- dictionaries --------------------------------------------------------------------

DICT_FIELDS = ("kind", "code", "label", "label_en", "sort_order", "color", "is_active")


@transaction.atomic
def dictionary_entry_create(
    *, actor, kind, code, label, label_en="", sort_order=None, color="", is_active=True
):
    policy.require(actor, "dictionaries.create")
    if kind not in dictionaries.KINDS:
        raise ValidationError({"kind": [_("未知的字典类型。")]}, code="unknown_kind")
    if sort_order is None:
        last = DictionaryEntry.objects.filter(kind=kind).order_by("-sort_order").first()
        sort_order = (last.sort_order + 10) if last else 0
    entry = DictionaryEntry(
        org_id=actor.org_id,
        kind=kind,
        code=(code or "").strip(),
        label=(label or "").strip(),
        label_en=(label_en or "").strip(),
        sort_order=sort_order,
        color=color or "",
        is_active=is_active,
    )
    _full_clean(entry)
    if DictionaryEntry.objects.filter(kind=kind, code=entry.code).exists():
        raise ValidationError({"code": [_("该字典中已有相同代码。")]}, code="duplicate")
    entry.save()
    audit.record_change(
        actor=actor,
        instance=entry,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(entry, DICT_FIELDS),
    )
    return entry


@transaction.atomic
def dictionary_entry_update(*, actor, entry, **fields):
    """Edit label, colour, order or active flag. The code is stable: never changed."""
    policy.require(actor, "dictionaries.edit")
    entry = DictionaryEntry.objects.select_for_update().get(pk=entry.pk)
    before = audit.snapshot(entry, DICT_FIELDS)
    for name, value in fields.items():
        if name not in ("label", "label_en", "sort_order", "color", "is_active"):
            raise ValidationError({name: [_("该字段不能修改。")]}, code="readonly")
        setattr(entry, name, value.strip() if isinstance(value, str) else value)
    _full_clean(entry)
    entry.save()
    audit.record_change(
        actor=actor,
        instance=entry,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(entry, DICT_FIELDS),
    )
    return entry


@transaction.atomic
def dictionary_entry_delete(*, actor, entry):
    """Delete an entry. Records that use it keep its code; deactivate to hide it instead."""
    policy.require(actor, "dictionaries.delete")
    audit.record_change(
        actor=actor,
        instance=entry,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(entry, DICT_FIELDS),
    )
    entry.delete()


@transaction.atomic
def dictionary_reorder(*, actor, kind, ids):
    """Put the entries of ``kind`` in the order of ``ids``."""
    policy.require(actor, "dictionaries.edit")
    entries = {e.pk: e for e in DictionaryEntry.objects.select_for_update().filter(kind=kind)}
    if set(ids) != set(entries):
        raise ValidationError(_("排序列表必须包含该字典的全部条目。"), code="incomplete")
    before = {"order": [e.code for e in sorted(entries.values(), key=lambda e: e.sort_order)]}
    for index, pk in enumerate(ids):
        entries[pk].sort_order = index * 10
    DictionaryEntry.objects.bulk_update(entries.values(), ["sort_order"])
    first = entries[ids[0]] if ids else None
    if first is not None:  # one record for the whole reorder, on the kind's first entry
        audit.record_change(
            actor=actor,
            instance=first,
            action=ChangeRecord.Action.UPDATE,
            before=before,
            after={"order": [entries[pk].code for pk in ids]},
        )


# ---- numbering -----------------------------------------------------------------------


@transaction.atomic
def numbering_rule_set(*, actor, target, pattern):
    policy.require(actor, "numbering.edit")
    if target not in numbering.TARGETS:
        raise ValidationError({"target": [_("未知的编号对象。")]}, code="unknown_target")
    pattern = (pattern or "").strip()
    try:
        numbering.validate_pattern(pattern)
    except ValidationError as exc:
        raise ValidationError({"pattern": exc.messages}) from exc
    rule, _created = NumberingRule.objects.get_or_create(
        org_id=actor.org_id, target=target, defaults={"pattern": pattern}
    )
    before = {"pattern": rule.pattern} if not _created else {}
    rule.pattern = pattern
    rule.save()
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after={"pattern": pattern},
    )
    return rule


# ---- custom fields -------------------------------------------------------------------

CUSTOM_FIELD_FIELDS = (
    "entity", "code", "label", "label_en", "field_type", "choices", "required", "help_text",
    "sort_order", "is_active", "show_in_list", "searchable",
)  # fmt: skip
CUSTOM_FIELD_EDITABLE = (
    "label", "label_en", "choices", "required", "help_text", "sort_order", "is_active",
    "show_in_list", "searchable",
)  # fmt: skip


def clean_choices(field_type, choices):
    """Choice options: ``[{"code", "label", "label_en"?}]``, codes unique and stable."""
    from guanxi.orgs import custom_fields

    if field_type not in custom_fields.CHOICE_TYPES:
        if choices:
            raise ValidationError({"choices": [_("只有单选和多选字段可以设置选项。")]})
        return []
    if not isinstance(choices, list) or not choices:
        raise ValidationError({"choices": [_("请至少设置一个选项。")]})
    if len(choices) > custom_fields.MAX_CHOICES:
        raise ValidationError(
            {"choices": [_("选项太多（最多 %(n)d 个）。") % {"n": custom_fields.MAX_CHOICES}]}
        )
    cleaned, seen = [], set()
    for choice in choices:
        if not isinstance(choice, dict):
            raise ValidationError({"choices": [_("每个选项都需要代码和名称。")]})
        code = str(choice.get("code") or "").strip()
        label = str(choice.get("label") or "").strip()
        label_en = str(choice.get("label_en") or "").strip()
        if not code or not label or len(code) > 40 or len(label) > 100 or len(label_en) > 100:
            raise ValidationError(
                {"choices": [_("每个选项都需要代码（最多 40 字）和名称（最多 100 字）。")]}
            )
        if code in seen:
            raise ValidationError({"choices": [_("选项代码重复：%(code)s") % {"code": code}]})
        seen.add(code)
        cleaned.append({"code": code, "label": label, "label_en": label_en})
    return cleaned


@transaction.atomic
def custom_field_create(
    *,
    actor,
    entity,
    code,
    label,
    field_type,
    label_en="",
    choices=None,
    required=False,
    help_text="",
    sort_order=None,
    is_active=True,
    show_in_list=False,
    searchable=False,
):
    from guanxi.orgs import custom_fields
    from guanxi.orgs.models import CustomField

    policy.require(actor, "custom_fields.create")
    if entity not in custom_fields.ENTITIES:
        raise ValidationError({"entity": [_("该对象不支持自定义字段。")]}, code="unknown_entity")
    if CustomField.objects.filter(entity=entity).count() >= custom_fields.MAX_FIELDS_PER_ENTITY:
        raise BusinessRuleError(
            _("每类对象最多 %(n)d 个自定义字段。") % {"n": custom_fields.MAX_FIELDS_PER_ENTITY},
            code="too_many",
        )
    if sort_order is None:
        last = CustomField.objects.filter(entity=entity).order_by("-sort_order").first()
        sort_order = (last.sort_order + 10) if last else 0
    field = CustomField(
        org_id=actor.org_id,
        entity=entity,
        code=(code or "").strip(),
        label=(label or "").strip(),
        label_en=(label_en or "").strip(),
        field_type=field_type,
        choices=clean_choices(field_type, choices or []),
        required=bool(required),
        help_text=(help_text or "").strip(),
        sort_order=sort_order,
        is_active=bool(is_active),
        show_in_list=bool(show_in_list),
        searchable=bool(searchable),
    )
    _full_clean(field)
    if CustomField.objects.filter(entity=entity, code=field.code).exists():
        raise ValidationError({"code": [_("该对象已有相同代码的字段。")]}, code="duplicate")
    field.save()
    audit.record_change(
        actor=actor,
        instance=field,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(field, CUSTOM_FIELD_FIELDS),
    )
    return field


@transaction.atomic
def custom_field_update(*, actor, field, **changes):
    """Change a field's label, options, flags or order. Its entity, code and type
    are fixed once created: stored values depend on them."""
    from guanxi.orgs.models import CustomField

    policy.require(actor, "custom_fields.edit")
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    before = audit.snapshot(field, CUSTOM_FIELD_FIELDS)
    for name, value in changes.items():
        if name in ("entity", "code", "field_type"):
            if value != getattr(field, name):
                raise ValidationError(
                    {name: [_("创建后不能修改（已有数据依赖它）。")]}, code="immutable"
                )
            continue
        if name not in CUSTOM_FIELD_EDITABLE:
            raise ValidationError({name: [_("未知字段。")]}, code="unknown_field")
        if name == "choices":
            value = clean_choices(field.field_type, value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(field, name, value)
    _full_clean(field)
    field.save()
    audit.record_change(
        actor=actor,
        instance=field,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(field, CUSTOM_FIELD_FIELDS),
    )
    return field


@transaction.atomic
def custom_field_delete(*, actor, field):
    """Delete a definition. Values already stored stay in the records (hidden);
    re-creating a field with the same code and type shows them again."""
    policy.require(actor, "custom_fields.delete")
    audit.record_change(
        actor=actor,
        instance=field,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(field, CUSTOM_FIELD_FIELDS),
    )
    field.delete()


# ---- saved filters ----------------------------------------------------------------------

SAVED_FILTER_LIMIT = 50


@transaction.atomic
def saved_filter_save(*, actor, entity, name, query, shared=False):
    """Save (or overwrite, by name) one of the actor's list queries for ``entity``."""
    from urllib.parse import parse_qsl, urlencode

    from guanxi.orgs.models import SavedFilter

    name = (name or "").strip()
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("请填写名称。")]
    elif len(name) > 60:
        errors["name"] = [_("名称不能超过 %(n)d 字。") % {"n": 60}]
    pairs = [(k, v) for k, v in parse_qsl((query or "").strip().lstrip("?")) if k != "after"]
    query = urlencode(pairs)  # normalised: no page position, nothing but key=value pairs
    if len(query) > 1000 or not pairs:
        errors["query"] = [_("筛选条件无效。")]
    mine = SavedFilter.objects.filter(employee=actor, entity=entity)
    existing = mine.filter(name=name).first() if name else None
    if existing is None and mine.count() >= SAVED_FILTER_LIMIT:
        errors["name"] = [_("每人最多保存 %(n)d 个常用筛选。") % {"n": SAVED_FILTER_LIMIT}]
    if errors:
        raise ValidationError(errors)
    if existing is not None:
        existing.query, existing.shared = query, bool(shared)
        existing.save(update_fields=["query", "shared", "updated_at"])
        return existing
    return SavedFilter.objects.create(
        org_id=actor.org_id,
        employee=actor,
        entity=entity,
        name=name,
        query=query,
        shared=bool(shared),
    )


@transaction.atomic
def saved_filter_delete(*, actor, saved_filter):
    """Delete one of the actor's saved filters (an admin may delete any)."""
    if saved_filter.employee_id != actor.pk and not policy.is_admin(actor):
        raise PermissionDenied(_("只能删除自己保存的筛选。"))
    saved_filter.delete()
