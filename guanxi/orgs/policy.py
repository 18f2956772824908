"""THE access check. Everything that shows or changes data asks here.

Three kinds of permission (SPEC §1), all from the employee's roles:

* function permissions ``"<module>.<action>"`` (``customers.export``);
* special permissions ``"special.<name>"`` (``special.view_cost``);
* data scope per module: which owned records are visible, the union over the
  employee's roles of own / department / department and sub-departments /
  chosen departments (with their sub-departments) / all.

An employee who has left, or whose org is inactive, may do nothing. The
computed access is cached on the employee object for the request (which is
loaded afresh by every request, so nothing outlives it); the tenant middleware
hands over the roles it loaded with the employee (``prime``), so working the
access out costs no query, or one when a data scope covers a department tree.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _

from guanxi.orgs import permissions as perms
from guanxi.orgs.permissions import DataScope

_CACHE_ATTR = "_guanxi_access"
_ROLES_ATTR = "_guanxi_roles"


@dataclass(frozen=True)
class ModuleScope:
    """Visible records of one module: everything, or own ∪ these departments."""

    all: bool = False
    department_ids: frozenset = field(default_factory=frozenset)


EVERYTHING = ModuleScope(all=True)


@dataclass(frozen=True)
class Access:
    codes: frozenset
    scopes: dict
    is_admin: bool = False

    def scope(self, module):
        """The records of ``module`` visible to whoever may view it. A module whose
        records have no owner (products, the knowledge base…) has no data scope: all."""
        if module in perms.MODULES and not perms.MODULES[module][2]:
            return EVERYTHING
        return self.scopes.get(module, ModuleScope())


NO_ACCESS = Access(codes=frozenset(), scopes={})


def access_for(employee):
    """Effective permissions of ``employee`` (cached on the instance)."""
    if employee is None:
        return NO_ACCESS
    cached = getattr(employee, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    access = _compute(employee)
    setattr(employee, _CACHE_ATTR, access)
    return access


def prime(employee, roles):
    """Hand over ``employee``'s roles, already loaded with it: the access is then worked
    out from them, without reading the roles again. For the current request only."""
    setattr(employee, _ROLES_ATTR, list(roles))


def roles_of(employee):
    """``employee``'s roles: those handed over by ``prime`` (or read once before), else read
    now and kept for the rest of the request."""
    roles = getattr(employee, _ROLES_ATTR, None)
    if roles is None:
        roles = list(employee.roles.all())
        setattr(employee, _ROLES_ATTR, roles)
    return roles


def forget(employee):
    """Drop the cached access (after the employee's roles changed)."""
    for attr in (_CACHE_ATTR, _ROLES_ATTR):
        if hasattr(employee, attr):
            delattr(employee, attr)


def _compute(employee):
    from guanxi.orgs.models import Department

    if not employee.is_active or not employee.user.is_active:
        return NO_ACCESS
    roles = roles_of(employee)
    if any(role.is_admin for role in roles):
        every_scope = {m: ModuleScope(all=True) for m in perms.scoped_modules()}
        return Access(codes=frozenset(perms.all_codes()), scopes=every_scope, is_admin=True)

    valid = set(perms.all_codes())
    codes = frozenset(code for role in roles for code in role.permissions if code in valid)
    roots_by_module: dict[str, set[int]] = {}
    exact_by_module: dict[str, set[int]] = {}
    all_modules: set[str] = set()
    for role in roles:
        for module, spec in (role.data_scopes or {}).items():
            kind = spec.get("scope", DataScope.OWN)
            if kind == DataScope.ALL:
                all_modules.add(module)
            elif kind == DataScope.DEPARTMENT:
                exact_by_module.setdefault(module, set()).add(employee.department_id)
            elif kind == DataScope.DEPARTMENT_TREE:
                roots_by_module.setdefault(module, set()).add(employee.department_id)
            elif kind == DataScope.CHOSEN:
                roots_by_module.setdefault(module, set()).update(
                    int(pk) for pk in spec.get("departments", [])
                )

    all_roots = set().union(*roots_by_module.values()) if roots_by_module else set()
    subtree: dict[int, set[int]] = {}
    if all_roots:
        # the roots and every department under them, in one query: a department is
        # under a root when the root's path starts its own
        above = Department.objects.filter(
            pk__in=all_roots, path=Substr(OuterRef("path"), 1, Length("path"))
        )
        pairs = list(Department.objects.filter(Exists(above)).values_list("pk", "path"))
        roots = {pk: path for pk, path in pairs if pk in all_roots}
        for root_pk, root_path in roots.items():
            subtree[root_pk] = {pk for pk, path in pairs if path.startswith(root_path)}

    scopes = {}
    for module in perms.scoped_modules():
        if module in all_modules:
            scopes[module] = ModuleScope(all=True)
            continue
        ids = set(exact_by_module.get(module, ()))
        for root in roots_by_module.get(module, ()):
            ids |= subtree.get(root, set())
        scopes[module] = ModuleScope(department_ids=frozenset(ids))
    return Access(codes=codes, scopes=scopes)


def can(employee, code):
    """May ``employee`` use capability ``code`` (``"module.action"`` / ``"special.x"``)?"""
    return code in access_for(employee).codes


def require(employee, code):
    if not can(employee, code):
        raise PermissionDenied(_("您没有执行此操作的权限：%(perm)s") % {"perm": perms.label(code)})


def is_admin(employee):
    return access_for(employee).is_admin


def visible_q(employee, module, *, owner="owner", department="owner_department"):
    """A Q that keeps the ``module`` records ``employee`` may see (None = all)."""
    scope = access_for(employee).scope(module)
    if scope.all:
        return None
    q = Q(**{f"{owner}_id": employee.pk})
    if scope.department_ids:
        q |= Q(**{f"{department}_id__in": sorted(scope.department_ids)})
    return q


def scope_queryset(employee, module, queryset, **fields):
    """Narrow ``queryset`` to what ``employee`` may view in ``module``."""
    if not can(employee, f"{module}.view"):
        return queryset.none()
    q = visible_q(employee, module, **fields)
    return queryset if q is None else queryset.filter(q)


def can_see_record(employee, module, record, *, owner="owner", department="owner_department"):
    if not can(employee, f"{module}.view"):
        return False
    scope = access_for(employee).scope(module)
    if scope.all:
        return True
    return (
        getattr(record, f"{owner}_id") == employee.pk
        or getattr(record, f"{department}_id") in scope.department_ids
    )


def mask_phone(employee, value):
    """``13812345678`` → ``138****5678`` unless the employee may see full numbers."""
    if not value or can(employee, "special.view_full_phone"):
        return value
    digits = str(value)
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else max(0, len(digits) - 8)
    return digits[:keep_head] + "****" + digits[-4:]
