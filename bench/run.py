#!/usr/bin/env python
"""Run the benchmarks against the data ``bench/generate.py`` wrote.

    python bench/run.py [--repeat 50] [--warmup 5]

Each operation is timed through the whole Django stack in-process (middleware,
authentication, permission checks, serialisation; no network), and beside it
a raw-SQL baseline that fetches the same rows is timed in the same run: on a
shared machine the ratio to the baseline is the figure that counts. Prints a
table of p50/p95 and writes the same as JSON to ``bench/out/``.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent / "out"

from generate import BIG_ORG, PASSWORD, setup_django  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run the Guanxi benchmarks.")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per operation")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument(
        "--login-repeat",
        type=int,
        default=10,
        help="timed runs of the (deliberately slow) password check",
    )
    return parser.parse_args(argv)


def measure(func, repeat, warmup, before=None):
    """Milliseconds of ``repeat`` calls of ``func`` (``before`` runs untimed each time)."""
    for _ in range(warmup):
        if before:
            before()
        func()
    samples = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(samples),
        "p50": statistics.median(ordered),
        "p95": p95,
        "mean": statistics.fmean(ordered),
    }


class Bench:
    def __init__(self, args):
        from django.db import connection
        from django.test import Client

        from guanxi.accounts import services as accounts
        from guanxi.core.tenancy import all_orgs
        from guanxi.orgs.models import Employee, Organization

        self.args = args
        self.connection = connection
        with all_orgs():
            self.org = Organization.objects.filter(code=BIG_ORG).first()
            if self.org is None:
                sys.exit("No bench data: run bench/generate.py first.")
            self.admin = Employee.objects.select_related("user").get(
                org=self.org, user__username="admin"
            )
            _token, raw = accounts.token_issue(user=self.admin.user, name="bench")
        self.client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.anonymous = Client(SERVER_NAME="localhost")
        self.results = []

    def sql(self, query, params):
        def run():
            with self.connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()

        return run

    def get(self, url, expect=200):
        def run():
            response = self.client.get(url)
            if response.status_code != expect:
                raise RuntimeError(f"{url}: HTTP {response.status_code} {response.content[:300]}")
            return response

        return run

    def record(self, name, operation, baseline, *, repeat=None, before=None, note=""):
        repeat = repeat or self.args.repeat
        timed = summary(measure(operation, repeat, self.args.warmup, before))
        base = summary(measure(baseline, repeat, self.args.warmup, before))
        self.results.append(
            {
                "operation": name,
                "note": note,
                "ms": timed,
                "baseline_ms": base,
                "ratio_p50": timed["p50"] / base["p50"] if base["p50"] else None,
            }
        )

    # ---- the operations ----------------------------------------------------------------

    def employee_pages(self):
        org_id = self.org.pk
        first = "/api/v1/employees?limit=50"
        self.record(
            "employee list, page 1",
            self.get(first),
            self.sql(
                "SELECT e.id, e.name, e.title, e.mobile, e.email, u.username, d.name "
                "FROM orgs_employee e JOIN accounts_user u ON u.id = e.user_id "
                "JOIN orgs_department d ON d.id = e.department_id "
                "WHERE e.org_id = %s ORDER BY e.id DESC LIMIT 50",
                [org_id],
            ),
        )
        # walk the cursor to the last full page, then time that deep page
        url, pages = first, 1
        while True:
            data = self.client.get(url).json()
            if not data.get("next") or len(data["items"]) < 50:
                break
            url, pages = data["next"], pages + 1
            last_id = data["items"][-1]["id"]
        deep = url.split("://", 1)[-1]
        deep = deep[deep.index("/") :]
        self.record(
            f"employee list, cursor page {pages}",
            self.get(deep),
            self.sql(
                "SELECT e.id, e.name, e.title, e.mobile, e.email, u.username, d.name "
                "FROM orgs_employee e JOIN accounts_user u ON u.id = e.user_id "
                "JOIN orgs_department d ON d.id = e.department_id "
                "WHERE e.org_id = %s AND e.id < %s ORDER BY e.id DESC LIMIT 50",
                [org_id, last_id],
            ),
            note="keyset pagination: should cost what page 1 costs",
        )

    def product_filter(self):
        from guanxi.core.tenancy import all_orgs

        try:
            from guanxi.catalog.models import Product
        except ImportError:
            print("skipped products: the catalog app has no models yet")
            return
        with all_orgs():
            if not Product.objects.filter(org=self.org).exists():
                print("skipped products: no products were generated")
                return
        table = Product._meta.db_table
        self.record(
            "product list, filter kind+active+q",
            self.get("/api/v1/products?kind=purchased&active=true&q=%E6%89%93%E5%8D%B0&limit=50"),
            self.sql(
                f"SELECT id, code, name, spec, model, unit, list_price FROM {table} "
                "WHERE org_id = %s AND kind = %s AND active = %s AND name LIKE %s "
                "ORDER BY code LIMIT 50",
                [self.org.pk, "purchased", True, "%打印%"],
            ),
        )

    def department_tree(self):
        self.record(
            "department tree (all, with head counts)",
            self.get("/api/v1/departments"),
            self.sql(
                "SELECT d.id, d.name, d.path, d.depth, d.parent_id, "
                "(SELECT COUNT(*) FROM orgs_employee e WHERE e.department_id = d.id "
                "AND e.status = 'active') FROM orgs_department d "
                "WHERE d.org_id = %s ORDER BY d.path",
                [self.org.pk],
            ),
        )

    def login_token(self):
        from django.contrib.auth.hashers import check_password
        from django.core.cache import cache

        body = {"org": BIG_ORG, "username": "admin", "password": PASSWORD, "name": "bench"}
        encoded = self.admin.user.password

        def issue():
            response = self.anonymous.post(
                "/api/v1/auth/token", body, content_type="application/json"
            )
            if response.status_code != 201:
                raise RuntimeError(f"token: HTTP {response.status_code} {response.content[:300]}")

        self.record(
            "login: issue API token",
            issue,
            lambda: check_password(PASSWORD, encoded),
            repeat=self.args.login_repeat,
            before=cache.clear,  # the sign-in throttle would refuse a benchmark's pace
            note="baseline: the password hash check alone (Argon2, slow on purpose)",
        )

    def run(self):
        self.employee_pages()
        self.product_filter()
        self.department_tree()
        self.login_token()
        return self.results


def counts(org):
    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs.models import Department, Employee

    with all_orgs():
        data = {
            "departments": Department.objects.filter(org=org).count(),
            "employees": Employee.objects.filter(org=org).count(),
        }
        try:
            from guanxi.catalog.models import Product

            data["products"] = Product.objects.filter(org=org).count()
        except ImportError:
            pass
    return data


def print_table(results):
    header = (
        f"{'operation':<42} {'p50 ms':>8} {'p95 ms':>8} {'raw p50':>8} {'raw p95':>8} {'×raw':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in results:
        ms, base = row["ms"], row["baseline_ms"]
        ratio = f"{row['ratio_p50']:.1f}" if row["ratio_p50"] else "-"
        print(
            f"{row['operation']:<42} {ms['p50']:>8.2f} {ms['p95']:>8.2f} "
            f"{base['p50']:>8.2f} {base['p95']:>8.2f} {ratio:>6}"
        )


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    if settings.DEBUG:
        print("warning: DEBUG is on; figures include query logging")
    bench = Bench(args)
    results = bench.run()
    report = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "data": counts(bench.org),
        "repeat": args.repeat,
        "results": results,
    }
    print(f"database: {connection.vendor}; data: {report['data']}")
    print_table(results)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"run-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
