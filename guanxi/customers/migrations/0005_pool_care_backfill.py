"""Existing rows: the return clock starts when the customer was created, and the
month-day columns of birthdays and registration dates are filled."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import ExtractDay, ExtractMonth


def backfill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Contact = apps.get_model("customers", "Contact")
    Customer._base_manager.update(
        owner_since=F("created_at"),
        anniversary_md=ExtractMonth("registered_on") * 100 + ExtractDay("registered_on"),
    )
    Contact._base_manager.filter(birthday__isnull=False).update(
        birthday_md=ExtractMonth("birthday") * 100 + ExtractDay("birthday")
    )


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_pool_care")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
