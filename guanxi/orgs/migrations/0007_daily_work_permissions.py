"""Roles that existed before the announcements, work reports and requisitions permissions
get what the preset roles now start with, judged by what they already hold:

* a role that may change anything (a code that is not a view and not a special
  permission) writes work reports and files requisitions, as every working employee
  did before requisitions had a permission of their own;
* a role that only views reads work reports, requisitions and announcements;
* a role that approves something (a manager's role, the boss) also publishes
  announcements.

Administrators' roles hold every code already. Codes are only added, never removed.
"""

from django.db import migrations

DAILY_WORK = (
    "work_reports.view",
    "work_reports.create",
    "work_reports.edit",
    "requisitions.view",
    "requisitions.create",
    "requisitions.edit",
)
VIEWS = ("work_reports.view", "requisitions.view", "announcements.view")
PUBLISH = ("announcements.view", "announcements.create", "announcements.edit")


def grant(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    # the plain manager: a migration runs outside any org scope, over every org
    for role in Role._base_manager.filter(is_admin=False).iterator():
        codes = list(role.permissions or [])
        changes = any(not c.startswith("special.") and not c.endswith(".view") for c in codes)
        added = list(DAILY_WORK if changes else VIEWS)
        if any(c.endswith(".approve") for c in codes):
            added += PUBLISH
        merged = list(dict.fromkeys([*codes, *added]))
        if merged != codes:
            role.permissions = merged
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0006_renewal_reminder_days"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
