"""Setup screens (系统设置): departments, employees, roles, system parameters,
dictionaries and numbering rules.

Views parse input and call ``selectors`` / ``services``; permission checks go
through ``policy`` (a refusal raises PermissionDenied → 403) and every query
runs in the signed-in employee's org scope, so another org's id is a 404.
A form that fails is shown again with its errors and a 4xx status (400 bad
input, 409 stale version, 422 business rule), and nothing is written.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import add_service_errors
from guanxi.core.views import employee_required
from guanxi.orgs import custom_fields, dictionaries, numbering, policy, selectors, services
from guanxi.orgs import permissions as perms
from guanxi.orgs.forms import (
    WEEKDAYS,
    CustomFieldForm,
    DepartmentForm,
    DictionaryEntryForm,
    EmployeeCreateForm,
    EmployeeEditForm,
    EmployeeFilterForm,
    NumberingRuleForm,
    PasswordResetForm,
    RoleForm,
    SettingsForm,
    choice_lines,
    disable_all,
)
from guanxi.orgs.models import CustomField, NumberingRule

EMPLOYEES_PER_PAGE = 50
MAX_INDENT = 5  # gx-tree-indent-1…5 in the shared stylesheet


def _status(exc):
    return exc.status_code if isinstance(exc, BusinessRuleError) else 400


def _can(request, *codes):
    """``{"create": True, …}`` for ``"<module>.<action>"`` codes, for templates."""
    return {code.split(".", 1)[1]: policy.can(request.employee, code) for code in codes}


# ---- departments ----------------------------------------------------------------------


def _department_page(request, *, status=200):
    departments = list(selectors.department_list(employee=request.employee))
    for department in departments:
        department.indent = min(department.depth, MAX_INDENT)
    return render(
        request,
        "orgs/department_list.html",
        {
            "departments": departments,
            "can": _can(request, "departments.create", "departments.edit", "departments.delete"),
        },
        status=status,
    )


@require_GET
@employee_required
def department_list(request):
    return _department_page(request)


@employee_required
def department_create(request):
    policy.require(request.employee, "departments.create")
    form = DepartmentForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                department = services.department_create(
                    actor=request.employee,
                    name=form.cleaned_data["name"],
                    parent=form.cleaned_data["parent"],
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("已新建部门“%(name)s”。") % {"name": department.name})
                return redirect("orgs:department_list")
    return render(
        request, "orgs/department_form.html", {"form": form, "department": None}, status=status
    )


@employee_required
def department_edit(request, pk):
    """Rename a department or move it (with its subtree) under another parent."""
    write = request.method == "POST"
    department = selectors.access_department(request.employee, pk, write=write)
    is_root = department.parent_id is None
    form = DepartmentForm(
        request.POST or None,
        is_root=is_root,
        initial={"name": department.name, "parent": department.parent_id},
    )
    if not policy.can(request.employee, "departments.edit"):
        disable_all(form)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            changes = {"name": form.cleaned_data["name"]}
            if not is_root:
                changes["parent"] = form.cleaned_data["parent"]
            try:
                services.department_update(actor=request.employee, department=department, **changes)
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("部门已保存。"))
                return redirect("orgs:department_list")
    return render(
        request,
        "orgs/department_form.html",
        {
            "form": form,
            "department": department,
            "can": _can(request, "departments.delete"),
        },
        status=status,
    )


@require_POST
@employee_required
def department_delete(request, pk):
    department = selectors.access_department(request.employee, pk)
    try:
        services.department_delete(actor=request.employee, department=department)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return _department_page(request, status=exc.status_code)
    messages.success(request, _("已删除部门“%(name)s”。") % {"name": department.name})
    return redirect("orgs:department_list")


# ---- employees ------------------------------------------------------------------------


@require_GET
@employee_required
def employee_list(request):
    filter_form = EmployeeFilterForm(request.GET or None)
    employees = selectors.employee_list(employee=request.employee, filters=filter_form.filters())
    page = Paginator(employees, EMPLOYEES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/employee_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "can": _can(request, "employees.create", "employees.edit"),
        },
    )


@employee_required
def employee_create(request):
    policy.require(request.employee, "employees.create")
    form = EmployeeCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = services.employee_create(
                    actor=request.employee,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    **form.service_fields(),
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("已新建员工“%(name)s”。") % {"name": created.name})
                return redirect("orgs:employee_edit", pk=created.pk)
    return render(request, "orgs/employee_form.html", {"form": form, "target": None}, status=status)


def _employee_page(request, target, *, form=None, status=200):
    can_edit = policy.can(request.employee, "employees.edit")
    if form is None and can_edit:
        form = EmployeeEditForm(initial=EmployeeEditForm.initial_for(target), employee=target)
    return render(
        request,
        "orgs/employee_form.html",
        {
            "form": form if can_edit else None,
            "target": target,
            "can_edit": can_edit,
            "is_self": target.pk == request.employee.pk,
            "can_hand_over": policy.can(request.employee, "customers.transfer"),
        },
        status=status,
    )


@employee_required
def employee_edit(request, pk):
    """Edit an employee; those without ``employees.edit`` see a read-only page."""
    if request.method != "POST":
        return _employee_page(request, selectors.access_employee(request.employee, pk))
    target = selectors.access_employee(request.employee, pk, write=True)
    form = EmployeeEditForm(request.POST, employee=target)
    status = 400
    if form.is_valid():
        try:
            services.employee_update(
                actor=request.employee,
                employee=target,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            add_service_errors(form, exc)
            status = _status(exc)
        else:
            messages.success(request, _("员工资料已保存。"))
            return redirect("orgs:employee_edit", pk=target.pk)
    return _employee_page(request, target, form=form, status=status)


def _employee_action(request, pk, service, done_message):
    target = selectors.access_employee(request.employee, pk, write=True)
    try:
        service(actor=request.employee, employee=target)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return _employee_page(request, target, status=exc.status_code)
    messages.success(request, done_message % {"name": target.name})
    return redirect("orgs:employee_edit", pk=target.pk)


@require_POST
@employee_required
def employee_leave(request, pk):
    return _employee_action(
        request, pk, services.employee_leave, _("已将“%(name)s”设为离职，其账户已停用。")
    )


@require_POST
@employee_required
def employee_reactivate(request, pk):
    return _employee_action(
        request, pk, services.employee_reactivate, _("已恢复“%(name)s”为在职。")
    )


@employee_required
def employee_password(request, pk):
    """An admin sets a new password for an employee (it also clears a lockout)."""
    target = selectors.access_employee(request.employee, pk, write=True)
    form = PasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.employee_set_password(
                    actor=request.employee, employee=target, password=form.cleaned_data["password"]
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("已为“%(name)s”设置新密码。") % {"name": target.name})
                return redirect("orgs:employee_edit", pk=target.pk)
    return render(
        request, "orgs/employee_password.html", {"form": form, "target": target}, status=status
    )


# ---- roles ----------------------------------------------------------------------------


def _role_page(request, *, status=200):
    roles = list(selectors.role_list(employee=request.employee))
    for role in roles:
        role.function_count = sum(1 for c in role.permissions if not c.startswith("special."))
        role.special_count = len(role.permissions) - role.function_count
    return render(
        request,
        "orgs/role_list.html",
        {
            "roles": roles,
            "can": _can(request, "roles.create", "roles.edit", "roles.delete"),
        },
        status=status,
    )


@require_GET
@employee_required
def role_list(request):
    return _role_page(request)


def _role_form_page(request, form, role, status):
    return render(
        request,
        "orgs/role_form.html",
        {
            "form": form,
            "role": role,
            "actions": perms.Action.choices,
            "can": _can(request, "roles.delete"),
        },
        status=status,
    )


@employee_required
def role_create(request):
    policy.require(request.employee, "roles.create")
    form = RoleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                role = services.role_create(actor=request.employee, **form.service_fields())
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("已新建角色“%(name)s”。") % {"name": role.name})
                return redirect("orgs:role_list")
    return _role_form_page(request, form, None, status)


@employee_required
def role_edit(request, pk):
    """Edit a role's permissions; an admin role only has a name and description."""
    write = request.method == "POST"
    role = selectors.access_role(request.employee, pk, write=write)
    form = RoleForm(
        request.POST if write else None,
        with_grid=not role.is_admin,
        initial=RoleForm.initial_for(role),
    )
    if not policy.can(request.employee, "roles.edit"):
        disable_all(form)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            fields = form.service_fields()
            try:
                services.role_update(
                    actor=request.employee,
                    role=role,
                    version=form.cleaned_data.get("version"),
                    **fields,
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("角色“%(name)s”已保存。") % {"name": fields["name"]})
                return redirect("orgs:role_list")
    return _role_form_page(request, form, role, status)


@require_POST
@employee_required
def role_delete(request, pk):
    role = selectors.access_role(request.employee, pk)
    try:
        services.role_delete(actor=request.employee, role=role)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return _role_page(request, status=exc.status_code)
    messages.success(request, _("已删除角色“%(name)s”。") % {"name": role.name})
    return redirect("orgs:role_list")


# ---- system parameters ----------------------------------------------------------------


@employee_required
def settings_view(request):
    policy.require(request.employee, "parameters.view")
    write = request.method == "POST"
    if write:
        policy.require(request.employee, "parameters.edit")
    current = services.org_settings(request.employee.org_id)
    form = SettingsForm(request.POST if write else None, instance=current)
    if not policy.can(request.employee, "parameters.edit"):
        disable_all(form)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            try:
                services.settings_update(actor=request.employee, **form.service_fields())
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("系统参数已保存。"))
                return redirect("orgs:settings")
    return render(
        request, "orgs/settings.html", {"form": form, "weekdays": WEEKDAYS}, status=status
    )


# ---- dictionaries ---------------------------------------------------------------------


@require_GET
@employee_required
def dictionary_list(request):
    counts = selectors.dictionary_counts(employee=request.employee)
    kinds = [
        {
            "kind": kind,
            "label": label,
            "total": counts.get(kind, {}).get("total", 0),
            "active": counts.get(kind, {}).get("active", 0),
        }
        for kind, label in dictionaries.KINDS.items()
    ]
    return render(request, "orgs/dictionary_list.html", {"kinds": kinds})


def _kind_or_404(kind):
    if kind not in dictionaries.KINDS:
        raise Http404
    return kind


def _dictionary_page(request, kind, *, form=None, status=200):
    can = _can(request, "dictionaries.create", "dictionaries.edit", "dictionaries.delete")
    if form is None and can["create"]:
        form = DictionaryEntryForm(prefix="new")
    entries = list(selectors.dictionary_entries(kind=kind))
    return render(
        request,
        "orgs/dictionary_kind.html",
        {
            "kind": kind,
            "kind_label": dictionaries.KINDS[kind],
            "entries": entries,
            "form": form if can["create"] else None,
            "can": can,
        },
        status=status,
    )


@employee_required
def dictionary_kind(request, kind):
    """The entries of one picklist in order, and a form to add one."""
    policy.require(request.employee, "dictionaries.view")
    kind = _kind_or_404(kind)
    if request.method != "POST":
        return _dictionary_page(request, kind)
    policy.require(request.employee, "dictionaries.create")
    form = DictionaryEntryForm(request.POST, prefix="new")
    status = 400
    if form.is_valid():
        try:
            entry = services.dictionary_entry_create(
                actor=request.employee, kind=kind, **form.service_fields()
            )
        except (ValidationError, BusinessRuleError) as exc:
            add_service_errors(form, exc)
            status = _status(exc)
        else:
            messages.success(request, _("已添加“%(label)s”。") % {"label": entry.label})
            return redirect("orgs:dictionary_kind", kind=kind)
    return _dictionary_page(request, kind, form=form, status=status)


@employee_required
def dictionary_entry_edit(request, pk):
    """Edit label, English label, colour and active flag; the code never changes."""
    write = request.method == "POST"
    entry = selectors.access_dictionary_entry(request.employee, pk, write=write)
    form = DictionaryEntryForm(
        request.POST if write else None,
        editing=True,
        initial={
            "label": entry.label,
            "label_en": entry.label_en,
            "color": entry.color,
            "is_active": entry.is_active,
        },
    )
    if not policy.can(request.employee, "dictionaries.edit"):
        disable_all(form)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            try:
                services.dictionary_entry_update(
                    actor=request.employee, entry=entry, **form.service_fields()
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("字典项已保存。"))
                return redirect("orgs:dictionary_kind", kind=entry.kind)
    return render(
        request,
        "orgs/dictionary_entry_form.html",
        {
            "form": form,
            "entry": entry,
            "kind_label": dictionaries.KINDS.get(entry.kind, entry.kind),
        },
        status=status,
    )


@require_POST
@employee_required
def dictionary_entry_toggle(request, pk):
    entry = selectors.access_dictionary_entry(request.employee, pk, write=True)
    services.dictionary_entry_update(
        actor=request.employee, entry=entry, is_active=not entry.is_active
    )
    if entry.is_active:
        messages.success(request, _("已停用“%(label)s”。") % {"label": entry.label})
    else:
        messages.success(request, _("已启用“%(label)s”。") % {"label": entry.label})
    return redirect("orgs:dictionary_kind", kind=entry.kind)


@require_POST
@employee_required
def dictionary_entry_delete(request, pk):
    entry = selectors.access_dictionary_entry(request.employee, pk)
    services.dictionary_entry_delete(actor=request.employee, entry=entry)
    messages.success(request, _("已删除“%(label)s”。") % {"label": entry.label})
    return redirect("orgs:dictionary_kind", kind=entry.kind)


@require_POST
@employee_required
def dictionary_entry_move(request, pk):
    """Swap an entry with its neighbour above (``direction=up``) or below."""
    entry = selectors.access_dictionary_entry(request.employee, pk, write=True)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("无效的移动方向。"))
        return _dictionary_page(request, entry.kind, status=400)
    ids = list(selectors.dictionary_entries(kind=entry.kind).values_list("pk", flat=True))
    index = ids.index(entry.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        services.dictionary_reorder(actor=request.employee, kind=entry.kind, ids=ids)
    return redirect(
        reverse("orgs:dictionary_kind", kwargs={"kind": entry.kind}) + f"#entry-{entry.pk}"
    )


# ---- numbering rules ------------------------------------------------------------------


def _example(pattern, day=None):
    """``KH-{yyyy}-{seq:05}`` → ``KH-2026-00001``, or None when the rule is invalid."""
    try:
        numbering.validate_pattern(pattern)
    except ValidationError:
        return None
    return numbering.render(pattern, 1, day or timezone.localdate())


@require_GET
@employee_required
def numbering_list(request):
    policy.require(request.employee, "numbering.view")
    patterns = dict(NumberingRule.objects.values_list("target", "pattern"))
    today = timezone.localdate()
    rules = []
    for target, (label, default) in numbering.TARGETS.items():
        pattern = patterns.get(target, default)
        rules.append(
            {
                "target": target,
                "label": label,
                "pattern": pattern,
                "example": _example(pattern, today),
            }
        )
    return render(
        request,
        "orgs/numbering_list.html",
        {
            "rules": rules,
            "can": _can(request, "numbering.edit"),
        },
    )


@employee_required
def numbering_edit(request, target):
    policy.require(request.employee, "numbering.view")
    if target not in numbering.TARGETS:
        raise Http404
    write = request.method == "POST"
    if write:
        policy.require(request.employee, "numbering.edit")
    pattern = numbering.pattern_for(request.employee.org_id, target)
    form = NumberingRuleForm(request.POST if write else None, initial={"pattern": pattern})
    if not policy.can(request.employee, "numbering.edit"):
        disable_all(form)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            try:
                services.numbering_rule_set(
                    actor=request.employee, target=target, pattern=form.cleaned_data["pattern"]
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("编号规则已保存。"))
                return redirect("orgs:numbering")
    shown = form["pattern"].value() or ""
    return render(
        request,
        "orgs/numbering_form.html",
        {
            "form": form,
            "target": target,
            "target_label": numbering.TARGETS[target][0],
            "default_pattern": numbering.TARGETS[target][1],
            "preview": _preview(shown),
        },
        status=status,
    )


def _preview(pattern):
    today = timezone.localdate()
    try:
        numbering.validate_pattern(pattern)
    except ValidationError as exc:
        return {"pattern": pattern, "error": " ".join(exc.messages)}
    return {
        "pattern": pattern,
        "first": numbering.render(pattern, 1, today),
        "next": numbering.render(pattern, 2, today),
    }


@require_GET
@employee_required
def numbering_preview(request):
    """The live example under the pattern box (an htmx partial)."""
    policy.require(request.employee, "numbering.view")
    pattern = (request.GET.get("pattern") or "").strip()[:100]
    return render(request, "orgs/_numbering_preview.html", {"preview": _preview(pattern)})


# ---- custom fields --------------------------------------------------------------------


def _entity_or_default(value):
    return value if value in custom_fields.ENTITIES else next(iter(custom_fields.ENTITIES))


def _custom_field_page(request, entity, *, form=None, status=200):
    can = _can(request, "custom_fields.create", "custom_fields.edit", "custom_fields.delete")
    if form is None and can["create"]:
        form = CustomFieldForm(prefix="new")
    counts = dict(
        CustomField.objects.values_list("entity").annotate(n=Count("id")).values_list("entity", "n")
    )
    return render(
        request,
        "orgs/custom_field_list.html",
        {
            "entity": entity,
            "entity_label": custom_fields.ENTITIES[entity][0],
            "entities": [
                {"code": code, "label": label, "count": counts.get(code, 0)}
                for code, (label, _module) in custom_fields.ENTITIES.items()
            ],
            "fields": custom_fields.definitions(entity, active_only=False),
            "form": form if can["create"] else None,
            "can": can,
        },
        status=status,
    )


@employee_required
def custom_field_list(request):
    """The custom fields of one kind of record (``?entity=customer``), and a form to add one."""
    policy.require(request.employee, "custom_fields.view")
    entity = _entity_or_default(request.GET.get("entity"))
    if request.method != "POST":
        return _custom_field_page(request, entity)
    policy.require(request.employee, "custom_fields.create")
    form = CustomFieldForm(request.POST, prefix="new")
    status = 400
    if form.is_valid():
        try:
            field = services.custom_field_create(
                actor=request.employee, entity=entity, **form.service_fields()
            )
        except (ValidationError, BusinessRuleError) as exc:
            add_service_errors(form, _choices_errors(exc))
            status = _status(exc)
        else:
            messages.success(request, _("已添加字段“%(label)s”。") % {"label": field.label})
            return redirect(reverse("orgs:custom_field_list") + f"?entity={entity}")
    return _custom_field_page(request, entity, form=form, status=status)


def _choices_errors(exc):
    """Service errors on ``choices`` belong to the form's ``choices_text`` box."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return ValidationError(
            {("choices_text" if k == "choices" else k): v for k, v in exc.error_dict.items()}
        )
    return exc


@employee_required
def custom_field_edit(request, pk):
    """Edit a field's labels, options and flags; its code and type are fixed."""
    write = request.method == "POST"
    field = selectors.access_custom_field(request.employee, pk, write=write)
    form = CustomFieldForm(
        request.POST if write else None,
        editing=True,
        initial={
            "label": field.label,
            "label_en": field.label_en,
            "choices_text": choice_lines(field.choices),
            "help_text": field.help_text,
            "required": field.required,
            "show_in_list": field.show_in_list,
            "searchable": field.searchable,
            "is_active": field.is_active,
        },
    )
    if not policy.can(request.employee, "custom_fields.edit"):
        disable_all(form)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            try:
                services.custom_field_update(
                    actor=request.employee, field=field, **form.service_fields()
                )
            except (ValidationError, BusinessRuleError) as exc:
                add_service_errors(form, _choices_errors(exc))
                status = _status(exc)
            else:
                messages.success(request, _("字段已保存。"))
                return redirect(reverse("orgs:custom_field_list") + f"?entity={field.entity}")
    return render(
        request,
        "orgs/custom_field_form.html",
        {
            "form": form,
            "field": field,
            "entity_label": custom_fields.ENTITIES.get(field.entity, (field.entity,))[0],
            "is_choice": field.field_type in custom_fields.CHOICE_TYPES,
        },
        status=status,
    )


@require_POST
@employee_required
def custom_field_delete(request, pk):
    field = selectors.access_custom_field(request.employee, pk)
    services.custom_field_delete(actor=request.employee, field=field)
    messages.success(request, _("已删除字段“%(label)s”。") % {"label": field.label})
    return redirect(reverse("orgs:custom_field_list") + f"?entity={field.entity}")
