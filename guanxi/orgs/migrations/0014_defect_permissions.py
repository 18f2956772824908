"""Roles that existed before the product-defects module get it by what they hold on
tickets: every action on tickets → every action on defects; creating tickets → viewing,
recording and editing defects; viewing tickets → viewing defects. Administrators' roles
hold every code already; codes are only added."""

from django.db import migrations

ALL = ("view", "create", "edit", "delete", "import", "export", "transfer", "approve")
DEFECTS = ("view", "create", "edit", "delete", "export")


def _added(codes):
    tickets = {c.removeprefix("tickets.") for c in codes if c.startswith("tickets.")}
    if all(action in tickets for action in ALL):
        return [f"defects.{a}" for a in DEFECTS]
    if "create" in tickets:
        return ["defects.view", "defects.create", "defects.edit"]
    if "view" in tickets:
        return ["defects.view"]
    return []


def grant(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    # the plain manager: a migration runs outside any org scope, over every org
    for role in Role._base_manager.filter(is_admin=False).iterator():
        codes = list(role.permissions or [])
        merged = list(dict.fromkeys([*codes, *_added(codes)]))
        if merged != codes:
            role.permissions = merged
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0013_employee_service_status"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
