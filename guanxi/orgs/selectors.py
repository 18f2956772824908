"""Reads of orgs data, scoped by the request's org and checked by ``policy``."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from guanxi.orgs import policy
from guanxi.orgs.models import Department, DictionaryEntry, Employee, Role


def department_list(*, employee):
    policy.require(employee, "departments.view")
    return Department.objects.annotate(
        employee_count=Count("employees", filter=Q(employees__status=Employee.Status.ACTIVE))
    ).order_by("path")


def department_tree(*, employee):
    """Departments in display order with ``depth`` for indentation (one query)."""
    return list(department_list(employee=employee))


def employee_self(*, employee):
    """The employee's own record, for what everyone may do to it (set their availability)."""
    return Employee.objects.select_related("department", "manager", "user").filter(pk=employee.pk)


def employee_list(*, employee, filters=None):
    policy.require(employee, "employees.view")
    qs = Employee.objects.select_related("department", "manager", "user").prefetch_related(
        Prefetch("roles", queryset=Role.objects.only("id", "name", "is_admin"))
    )
    filters = filters or {}
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(mobile__contains=q)
            | Q(email__icontains=q)
        )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("department"):
        try:
            department = Department.objects.filter(pk=int(filters["department"])).first()
        except (TypeError, ValueError):
            department = None  # a filter never errors: an unknown department filters nothing
        if department is not None:
            qs = qs.filter(department__path__startswith=department.path)
    return qs.order_by("name", "id")


def role_list(*, employee):
    policy.require(employee, "roles.view")
    return Role.objects.annotate(employee_count=Count("employees")).order_by("-is_admin", "name")


def dictionary_counts(*, employee):
    """``{kind: {"total": n, "active": m}}`` for every picklist (one query)."""
    policy.require(employee, "dictionaries.view")
    rows = DictionaryEntry.objects.values("kind").annotate(
        total=Count("id"), active=Count("id", filter=Q(is_active=True))
    )
    return {row["kind"]: row for row in rows}


def dictionary_entries(*, kind, active_only=False):
    """Entries of one picklist, in order. Picklists are readable by every employee."""
    qs = DictionaryEntry.objects.filter(kind=kind)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("sort_order", "id")


def dictionary_labels(*, kinds):
    """``{kind: {code: label in the current language}}`` of several picklists, in one query."""
    labels: dict[str, dict[str, str]] = {kind: {} for kind in kinds}
    for entry in DictionaryEntry.objects.filter(kind__in=list(kinds)).order_by("sort_order", "id"):
        labels[entry.kind][entry.code] = entry.display_label
    return labels


def _get(model, pk):
    try:
        return model.objects.get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_department(employee, pk, *, write=False):
    policy.require(employee, "departments.edit" if write else "departments.view")
    return _get(Department, pk)


def access_employee(employee, pk, *, write=False):
    policy.require(employee, "employees.edit" if write else "employees.view")
    return _get(Employee, pk)


def access_role(employee, pk, *, write=False):
    policy.require(employee, "roles.edit" if write else "roles.view")
    return _get(Role, pk)


def access_custom_field(employee, pk, *, write=False):
    from guanxi.orgs.models import CustomField

    policy.require(employee, "custom_fields.edit" if write else "custom_fields.view")
    return _get(CustomField, pk)


def access_dictionary_entry(employee, pk, *, write=False):
    policy.require(employee, "dictionaries.edit" if write else "dictionaries.view")
    return _get(DictionaryEntry, pk)


def saved_filters(*, employee, entity):
    """The employee's own saved filters for ``entity`` and those others shared (one query)."""
    from django.db.models import Q

    from guanxi.orgs.models import SavedFilter

    return list(
        SavedFilter.objects.filter(Q(employee=employee) | Q(shared=True), entity=entity)
        .select_related("employee")
        .order_by("name", "id")
    )
