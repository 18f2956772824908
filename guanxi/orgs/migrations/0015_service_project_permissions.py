"""Roles that existed before the service-projects module get it by what they hold on
tickets: every action on tickets → every action on service projects; creating tickets →
viewing, creating and editing projects (an agent logs hours on the tasks given to them);
viewing tickets → viewing projects. The new module's data scope starts as the role's scope
on tickets. Administrators' roles hold every code already; codes are only added."""

from django.db import migrations

ALL = ("view", "create", "edit", "delete", "import", "export", "transfer", "approve")


def _added(codes):
    tickets = {c.removeprefix("tickets.") for c in codes if c.startswith("tickets.")}
    if all(action in tickets for action in ALL):
        return [f"service_projects.{a}" for a in ALL]
    if "create" in tickets:
        return ["service_projects.view", "service_projects.create", "service_projects.edit"]
    if "view" in tickets:
        return ["service_projects.view"]
    return []


def grant(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    # the plain manager: a migration runs outside any org scope, over every org
    for role in Role._base_manager.filter(is_admin=False).iterator():
        codes = list(role.permissions or [])
        merged = list(dict.fromkeys([*codes, *_added(codes)]))
        scopes = dict(role.data_scopes or {})
        fields = []
        if merged != codes:
            role.permissions = merged
            fields.append("permissions")
        if "service_projects" not in scopes and "tickets" in scopes:
            scopes["service_projects"] = scopes["tickets"]
            role.data_scopes = scopes
            fields.append("data_scopes")
        if fields:
            role.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0014_defect_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
