#!/usr/bin/env python
"""Customer import against a raw bulk insert of the same rows, in one run.

    python bench/import_bench.py [--rows 100000] [--seed 1]

Writes a CSV of generated customers (Chinese company names, phones, regions,
levels, a primary contact), then times, each in a fresh org:

- **raw**: the same rows written straight into the tables — a customer and its
  primary contact per file row — (``COPY`` on PostgreSQL, one ``executemany``
  transaction on SQLite): no parsing, checks, codes, pinyin, lifecycle rows or
  search index;
- **raw, all it stores**: the same, plus what the import stores besides — the
  "created" lifecycle row and the customer's and the contact's search entries with
  their full-text index (tokens computed before the clock starts): the database's
  share of the import;
- **import**: the product's import end to end — reading and decoding the file,
  the column mapping, every row's checks, duplicate detection, codes from the
  numbering rule, pinyin keys, the bulk writes (customers, primary contacts,
  lifecycle rows) and the search index — as the background job runs it.

Prints all three and the ratios (DESIGN §5 asks for at most 5× a raw insert), and writes JSON to
``bench/out/``. The orgs it creates are removed afterwards (``--keep`` keeps them).
"""

import argparse
import csv
import datetime
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import (  # noqa: E402
    CITY_PROVINCE,
    PASSWORD,
    RawTable,
    _next_id,
    _reset_sequences,
    company_name,
    mobile,
    person_name,
    setup_django,
)

HEADER = ["客户名称", "电话", "省市区", "客户级别", "联系人", "联系人手机"]
# the default customer levels, by the label a spreadsheet would carry
LEVEL_CODES = {"重点客户": "key", "普通客户": "normal", "一般客户": "minor"}
LEVEL_LABELS = tuple(LEVEL_CODES)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the customer import.")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the orgs it creates")
    return parser.parse_args(argv)


def make_rows(rng, count):
    cities = list(CITY_PROVINCE)
    rows = []
    for n in range(count):
        city = rng.choice(cities)
        rows.append(
            [
                f"{company_name(rng, city)}{n}",  # unique: the run measures inserts, not skips
                f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}",
                f"{CITY_PROVINCE[city]}/{city}",
                rng.choice(LEVEL_LABELS),
                person_name(rng),
                mobile(rng),
            ]
        )
    return rows


def fresh_org(code):
    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs import services

    with all_orgs():
        org, admin = services.org_create(
            code=code, name=f"导入测试 {code}", admin_username="admin", admin_password=PASSWORD
        )
    return org, admin


def drop_org(org):
    """Remove what the run wrote (raw SQL: the bench database is scratch)."""
    from django.db import connection, transaction

    tables = [
        "search_searchentry",
        "customers_lifecyclechange",
        "customers_contact",
        "customers_customer",
        "transfer_importchunk",
        "transfer_importbatch",
        "audit_changerecord",
        "jobs_job",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            if table in connection.introspection.table_names():
                cursor.execute(f"DELETE FROM {table} WHERE org_id = %s", [org.pk])
    # the rest (employees, users, departments, roles, dictionaries...) is small: the ORM
    # deletes it model by model, those others point at first (protected keys) last
    from django.apps import apps
    from django.db.models import ProtectedError, RestrictedError

    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs.models import Organization

    owned = [m for m in apps.get_models() if any(f.name == "org" for f in m._meta.fields)]
    with all_orgs(), transaction.atomic():
        for _round in range(len(owned)):
            blocked = False
            for model in owned:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(org_id=org.pk).delete()
                except (ProtectedError, RestrictedError):
                    blocked = True
            if not blocked:
                break
        Organization.objects.filter(pk=org.pk).delete()


def raw_insert(org, rows):
    """The baseline: the same rows written straight into the tables — each file row is
    a customer and its primary contact — with nothing computed on the way."""
    from django.db import transaction
    from django.utils import timezone

    from guanxi.customers.models import Contact, Customer

    now = timezone.now()
    customers = RawTable(
        Customer,
        {"id", "org_id", "code", "name", "phone", "region", "level", "created_at", "updated_at"},
    )
    contacts = RawTable(
        Contact,
        {"id", "org_id", "customer_id", "name", "mobile", "is_primary", "created_at", "updated_at"},
    )
    first, first_contact = _next_id(Customer), _next_id(Contact)
    start = time.perf_counter()
    with transaction.atomic():
        for n, row in enumerate(rows, start=1):
            customers.add(
                id=first + n - 1,
                org_id=org.pk,
                code=f"RAW-{n:07d}",
                name=row[0],
                phone=row[1],
                region=row[2],
                level=LEVEL_CODES[row[3]],
                created_at=now,
                updated_at=now,
            )
            contacts.add(
                id=first_contact + n - 1,
                org_id=org.pk,
                customer_id=first + n - 1,
                name=row[4],
                mobile=row[5],
                is_primary=True,
                created_at=now,
                updated_at=now,
            )
            if len(customers.rows) >= 20000:
                customers.flush()
                contacts.flush()
        customers.flush()
        contacts.flush()
    elapsed = time.perf_counter() - start
    _reset_sequences([Customer, Contact])  # the import that follows takes ids after these
    return elapsed


def raw_insert_all(org, rows):
    """The second baseline: everything the import stores for the rows — customer, primary
    contact, "created" lifecycle row, and the customer's and the contact's search entries
    with their full-text index — written the same raw way. The entries' tokens are
    computed before the clock starts: this is the database's share of the import."""
    from django.db import transaction
    from django.utils import timezone

    from guanxi.customers import indexing
    from guanxi.customers.models import Contact, Customer, LifecycleChange
    from guanxi.search import index
    from guanxi.search.models import SearchEntry

    now = timezone.now()
    first, first_contact = _next_id(Customer), _next_id(Contact)
    first_entry, first_change = _next_id(SearchEntry), _next_id(LifecycleChange)
    entries = []
    for n, row in enumerate(rows, start=1):
        customer = SimpleNamespace(
            pk=first + n - 1, name=row[0], code=f"RAW-{n:07d}", mnemonic="", is_person=False,
            type="", email="", phone=row[1], finance_phone="", owner_id=None, department_id=None,
        )  # fmt: skip
        contact = SimpleNamespace(
            pk=first_contact + n - 1, name=row[4], mnemonic="", email="", mobile=row[5],
            office_phone="", home_phone="", owner_id=None, owner_department_id=None,
            customer_id=customer.pk,
        )  # fmt: skip
        entries.append(index._values(indexing.customer_document(customer), org.pk))
        entries.append(index._values(indexing.contact_document(contact, row[0]), org.pk))
    entry_columns = {"id", "created_at", "updated_at", *entries[0]}
    customers = RawTable(
        Customer,
        {"id", "org_id", "code", "name", "phone", "region", "level", "created_at", "updated_at"},
    )
    contacts = RawTable(
        Contact,
        {"id", "org_id", "customer_id", "name", "mobile", "is_primary", "created_at", "updated_at"},
    )
    changes = RawTable(
        LifecycleChange,
        {"id", "org_id", "customer_id", "to_stage", "reason", "created_at", "updated_at"},
    )
    search = RawTable(SearchEntry, entry_columns)
    tables = (customers, contacts, changes, search)
    start = time.perf_counter()
    with transaction.atomic():
        for n, row in enumerate(rows, start=1):
            customer_id = first + n - 1
            customers.add(
                id=customer_id, org_id=org.pk, code=f"RAW-{n:07d}", name=row[0], phone=row[1],
                region=row[2], level=LEVEL_CODES[row[3]], created_at=now, updated_at=now,
            )  # fmt: skip
            contacts.add(
                id=first_contact + n - 1, org_id=org.pk, customer_id=customer_id, name=row[4],
                mobile=row[5], is_primary=True, created_at=now, updated_at=now,
            )  # fmt: skip
            changes.add(
                id=first_change + n - 1, org_id=org.pk, customer_id=customer_id,
                to_stage="target", reason="created", created_at=now, updated_at=now,
            )  # fmt: skip
            for k in (0, 1):
                entry = entries[2 * (n - 1) + k]
                search.add(id=first_entry + 2 * (n - 1) + k, created_at=now, updated_at=now,
                           **entry)  # fmt: skip
            if len(customers.rows) >= 20000:
                for table in tables:
                    table.flush()
        for table in tables:
            table.flush()
    elapsed = time.perf_counter() - start
    _reset_sequences([Customer, Contact, LifecycleChange, SearchEntry])
    return elapsed


class Progress:
    """What the job runner hands the import: progress callbacks (not needed here)."""

    def total(self, count):
        pass

    def advance(self, count=1):
        pass


def product_import(org, admin, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanxi.core.tenancy import org_scope
    from guanxi.customers.models import Customer
    from guanxi.transfer import services

    with org_scope(org):
        start = time.perf_counter()
        with open(path, "rb") as handle:
            upload = SimpleUploadedFile("customers.csv", handle.read(), "text/csv")
        batch = services.import_upload(actor=admin, upload=upload)
        batch = services.import_configure(actor=admin, batch=batch)
        result = services.import_execute(batch_id=batch.pk, reporter=Progress(), write=True)
        elapsed = time.perf_counter() - start
        created = Customer.objects.count()
    return elapsed, result, created


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    from django.db import connection

    rng = random.Random(args.seed)
    rows = make_rows(rng, args.rows)
    stamp = datetime.datetime.now().strftime("%H%M%S")
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
        f.flush()
        raw_org, _ = fresh_org(f"bench-raw-{stamp}")
        all_org, _ = fresh_org(f"bench-all-{stamp}")
        import_org, admin = fresh_org(f"bench-imp-{stamp}")
        try:
            raw_seconds = raw_insert(raw_org, rows)
            all_seconds = raw_insert_all(all_org, rows)
            import_seconds, result, created = product_import(import_org, admin, f.name)
        finally:
            if not args.keep:
                for org in (raw_org, all_org, import_org):
                    drop_org(org)
    if created != args.rows or result.get("errors"):
        print(f"import wrote {created} of {args.rows} rows: {result}", file=sys.stderr)
        return 1
    report = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "machine": f"{platform.machine()} · {platform.python_version()}",
        "rows": args.rows,
        "raw_seconds": round(raw_seconds, 3),
        "raw_all_seconds": round(all_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "ratio": round(import_seconds / raw_seconds, 2),
        "ratio_to_all": round(import_seconds / all_seconds, 2),
        "rows_per_second": round(args.rows / import_seconds),
    }
    print(
        f"{connection.vendor}: {args.rows:,} customers — raw insert {raw_seconds:.2f} s, "
        f"raw insert of all it stores {all_seconds:.2f} s, "
        f"import {import_seconds:.2f} s ({report['rows_per_second']:,} rows/s), "
        f"ratio {report['ratio']}× (to all it stores: {report['ratio_to_all']}×)"
    )
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / f"import-{connection.vendor}.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
