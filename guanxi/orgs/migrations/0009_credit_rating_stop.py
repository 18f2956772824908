"""Orgs that existed before the credit check get its "stop trading" (停止交易) credit
rating, as new orgs do: the order credit check refuses every order of a customer rated
``stop``. An org that already has an entry with that code keeps its own."""

from django.db import migrations

ENTRY = {"code": "stop", "label": "停止交易", "label_en": "Stop trading", "color": "#1d273b"}


def add_stop(apps, schema_editor):
    DictionaryEntry = apps.get_model("orgs", "DictionaryEntry")
    Organization = apps.get_model("orgs", "Organization")
    entries = DictionaryEntry._base_manager
    new = []
    for org_id in Organization._base_manager.values_list("pk", flat=True):
        rated = entries.filter(org_id=org_id, kind="credit_rating")
        if rated.filter(code="stop").exists():
            continue
        last = rated.order_by("-sort_order").values_list("sort_order", flat=True).first()
        new.append(
            DictionaryEntry(
                org_id=org_id, kind="credit_rating", sort_order=(last or 0) + 10, **ENTRY
            )
        )
    entries.bulk_create(new)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0008_sales_parameters")]

    operations = [migrations.RunPython(add_stop, migrations.RunPython.noop)]
