"""Roles that existed before the service modules get what the preset roles now start
with, judged by what they hold on tickets:

* a role that holds every action on tickets (a service manager's) holds every action on
  installed products, service contracts, repairs, service outlets and the service setup;
* any other role that creates tickets (an agent's) views, creates and edits installed
  products and repairs, and views service contracts and outlets;
* a role that only views tickets views the four new record modules;
* sales roles sell maintenance contracts: a role that holds every action on orders holds
  every action on service contracts, one that creates orders views, creates and edits them;
* the data scope of service contracts and repairs is the role's data scope on tickets (on
  orders, for service contracts of a role without tickets).

Administrators' roles hold every code already. Codes are only added, never removed, and a
data scope already set is kept. Agents start offline: routing only picks agents who go
online.
"""

from django.db import migrations

ALL = ("view", "create", "edit", "delete", "import", "export", "transfer", "approve")
MODULES = {
    "installed_products": ("view", "create", "edit", "delete", "import", "export"),
    "service_contracts": ALL,
    "repairs": ("view", "create", "edit", "delete", "export"),
    "service_outlets": ("view", "create", "edit", "delete"),
    "service_setup": ("view", "edit"),
}
AGENT = (
    "installed_products.view",
    "installed_products.create",
    "installed_products.edit",
    "repairs.view",
    "repairs.create",
    "repairs.edit",
    "service_contracts.view",
    "service_outlets.view",
)
VIEWER = (
    "installed_products.view",
    "service_contracts.view",
    "repairs.view",
    "service_outlets.view",
)


def _added(codes):
    return [*_service(codes), *_sales(codes)]


def _service(codes):
    tickets = {c.removeprefix("tickets.") for c in codes if c.startswith("tickets.")}
    if all(action in tickets for action in ALL):
        return [f"{module}.{a}" for module, actions in MODULES.items() for a in actions]
    if "create" in tickets:
        return list(AGENT)
    if "view" in tickets:
        return list(VIEWER)
    return []


def _sales(codes):
    orders = {c.removeprefix("orders.") for c in codes if c.startswith("orders.")}
    if all(action in orders for action in ALL):
        return [f"service_contracts.{a}" for a in ALL]
    if "create" in orders:
        return ["service_contracts.view", "service_contracts.create", "service_contracts.edit"]
    return []


def grant(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    # the plain manager: a migration runs outside any org scope, over every org
    for role in Role._base_manager.filter(is_admin=False).iterator():
        codes = list(role.permissions or [])
        merged = list(dict.fromkeys([*codes, *_added(codes)]))
        scopes = dict(role.data_scopes or {})
        tickets_scope = scopes.get("tickets")
        new_scopes = dict(scopes)
        if tickets_scope is not None:
            for module in ("service_contracts", "repairs"):
                new_scopes.setdefault(module, tickets_scope)
        if scopes.get("orders") is not None:
            new_scopes.setdefault("service_contracts", scopes["orders"])
        if merged != codes or new_scopes != scopes:
            role.permissions = merged
            role.data_scopes = new_scopes
            role.save(update_fields=["permissions", "data_scopes"])


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0011_sales_planning_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
