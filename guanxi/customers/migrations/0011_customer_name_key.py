"""``Customer.name_key``: the name's distinctive part, indexed, so that duplicate
checks (imports above all) look names up instead of reading every customer."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    from guanxi.customers.selectors import name_core

    Customer = apps.get_model("customers", "Customer")
    rows = Customer._base_manager.order_by("pk").values_list("pk", "name")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            batch = list(rows.filter(pk__gt=last)[:BATCH])
            if not batch:
                break
            values = ", ".join(["(%s, %s)"] * len(batch))
            cursor.execute(
                f"WITH v(i, k) AS (VALUES {values}) "  # noqa: S608
                "UPDATE customers_customer SET name_key = v.k FROM v "
                "WHERE customers_customer.id = v.i",
                [arg for pk, name in batch for arg in (pk, name_core(name)[:100])],
            )
            last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_list_filter_indexes"),
        ("orgs", "0005_repurchase_cycle"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_key",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["org", "name_key"], name="customer_org_name_key"),
        ),
    ]
