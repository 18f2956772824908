"""Roles that existed before the expenses, commissions and sales-target permissions get
what the preset roles now start with, judged by what they hold on orders:

* expenses: the same actions the role holds on orders (a rep records and edits their
  expenses, a manager also deletes, approves and exports them, the boss approves and
  exports, a view-only role views);
* commissions and sales targets: a role that holds every action on orders (a sales
  manager's) holds every action on them; any other role that views orders views them,
  and exports or approves them when it exports or approves orders;
* a role that holds every action on orders and views reports exports them too (the sales
  analysis of a manager's team, to Excel);
* the data scope of the three modules is the role's data scope on orders.

Administrators' roles hold every code already. Codes are only added, never removed, and a
data scope already set is kept.
"""

from django.db import migrations

ALL = ("view", "create", "edit", "delete", "import", "export", "transfer", "approve")
EXPENSES = ALL
COMMISSIONS = ("view", "create", "edit", "delete", "export", "approve")
TARGETS = ("view", "create", "edit", "delete", "export")


def _added(codes):
    orders = {c.removeprefix("orders.") for c in codes if c.startswith("orders.")}
    added = [f"expenses.{action}" for action in EXPENSES if action in orders]
    if "view" not in orders:
        return added
    manager = all(action in orders for action in ALL)
    for module, actions in (("commissions", COMMISSIONS), ("sales_targets", TARGETS)):
        held = actions if manager else [a for a in actions if a in {"view", "export", "approve"}]
        added += [f"{module}.{a}" for a in held if manager or a == "view" or a in orders]
    if manager and "reports.view" in codes:
        added.append("reports.export")
    return added


def grant(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    # the plain manager: a migration runs outside any org scope, over every org
    for role in Role._base_manager.filter(is_admin=False).iterator():
        codes = list(role.permissions or [])
        merged = list(dict.fromkeys([*codes, *_added(codes)]))
        scopes = dict(role.data_scopes or {})
        orders_scope = scopes.get("orders")
        new_scopes = dict(scopes)
        if orders_scope is not None:
            for module in ("expenses", "commissions", "sales_targets"):
                new_scopes.setdefault(module, orders_scope)
        if merged != codes or new_scopes != scopes:
            role.permissions = merged
            role.data_scopes = new_scopes
            role.save(update_fields=["permissions", "data_scopes"])


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0010_letterhead"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
