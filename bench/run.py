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
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent / "out"

from generate import BIG_ORG, PASSWORD, setup_django  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run the Guanxi benchmarks.")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per operation")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument(
        "--export-repeat",
        type=int,
        default=1,
        help="timed runs of the full export (0: skip it)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated groups to run (employees,products,departments,customers,"
        "search,360,tickets,export,login); default all",
    )
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

    # ---- customers, search, 360, export ---------------------------------------------------

    def _has_customers(self):
        from guanxi.core.tenancy import all_orgs
        from guanxi.customers.models import Customer

        with all_orgs():
            return Customer.objects.filter(org=self.org).exists()

    def _client_for(self, employee):
        from django.test import Client

        from guanxi.accounts import services as accounts
        from guanxi.core.tenancy import all_orgs

        with all_orgs():
            _token, raw = accounts.token_issue(user=employee.user, name="bench")
        return Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")

    def _manager(self):
        """The sales manager whose department holds the most customers."""
        from django.db.models import Count

        from guanxi.core.tenancy import org_scope
        from guanxi.orgs import policy
        from guanxi.orgs.models import Employee

        with org_scope(self.org):
            managers = (
                Employee.objects.filter(title="销售经理")
                .select_related("user", "department")
                .annotate(n=Count("department__customers"))
                .order_by("-n", "id")
            )
            manager = managers.first()
            scope = policy.access_for(manager).scope("customers")
        return manager, scope

    def _large_scope(self):
        """The sales manager whose data scope covers the most departments (in the generated
        org, the head of the sales centre: its whole tree)."""
        from guanxi.core.tenancy import org_scope
        from guanxi.orgs import policy
        from guanxi.orgs.models import Employee

        with org_scope(self.org):
            heads = (
                Employee.objects.filter(title="销售经理")
                .select_related("user", "department")
                .order_by("department__depth", "id")
            )
            head = max(
                heads, key=lambda e: len(policy.access_for(e).scope("customers").department_ids)
            )
            scope = policy.access_for(head).scope("customers")
        return head, scope

    def _scope_sql(self, employee, scope, owner="owner_id", department="department_id"):
        if scope.all:
            return "", []
        ids = sorted(scope.department_ids) or [0]
        marks = ", ".join(["%s"] * len(ids))
        return f" AND ({owner} = %s OR {department} IN ({marks}))", [employee.pk, *ids]

    def customer_pages(self):
        import base64

        manager, scope = self._manager()
        client = self._client_for(manager)
        where, params = self._scope_sql(manager, scope)
        columns = (
            "c.id, c.code, c.name, c.phone, c.region, c.level, c.lifecycle_stage, o.name, d.name"
        )
        base = (
            f"SELECT {columns} FROM customers_customer c "
            "LEFT JOIN orgs_employee o ON o.id = c.owner_id "
            "LEFT JOIN orgs_department d ON d.id = c.department_id "
            "WHERE c.org_id = %s AND c.deleted_at IS NULL AND c.level = %s"
            + where.replace("owner_id", "c.owner_id").replace("department_id", "c.department_id")
        )
        args = [self.org.pk, "key", *params]
        url = "/api/v1/customers?limit=50&level=key"

        def get(path):
            def run():
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")
                return response

            return run

        self.record(
            f"customer list, page 1 (manager scope, level=key; {self.scope_note(scope)})",
            get(url),
            self.sql(base + " ORDER BY c.id DESC LIMIT 50", args),
        )
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM (" + base + ") AS matching", args)
            matching = cursor.fetchone()[0]
            cursor.execute(
                "SELECT id FROM (" + base + " ORDER BY c.id DESC) AS m LIMIT 1 OFFSET %s",
                [*args, max(0, int(matching * 0.9))],
            )
            row = cursor.fetchone()
        if row is None:
            return
        position = row[0]
        cursor_value = base64.b64encode(f"p={position}".encode()).decode()
        deep = f"{url}&cursor={cursor_value}"
        self.record(
            f"customer list, keyset page at 90% of {matching:,} rows",
            get(deep),
            self.sql(base + " AND c.id < %s ORDER BY c.id DESC LIMIT 50", [*args, position]),
            note="keyset pagination: should cost what page 1 costs",
        )

    @staticmethod
    def scope_note(scope):
        return "all" if scope.all else f"{len(scope.department_ids)} departments"

    def search_queries(self):
        from guanxi.core.tenancy import org_scope
        from guanxi.customers.models import Contact, Customer
        from guanxi.orgs import policy
        from guanxi.search import query as fulltext
        from guanxi.search import tokens as tk

        manager, _scope = self._manager()
        with org_scope(self.org):
            middle = Customer.objects.order_by("id").values_list("code", flat=True)
            code = middle[Customer.objects.count() // 2]
            mobile = Contact.objects.order_by("id").values_list("mobile", flat=True)[1000]
        queries = [
            ("2 Chinese characters", "远航"),
            ("a Chinese name, 3 characters", "杭州远"),
            ("pinyin initials", "YHKJ"),
            ("4 digits of a phone", mobile[-4:]),
            ("customer code", code),
        ]
        head, head_scope = self._large_scope()
        people = [
            ("admin", self.admin, ""),
            ("manager", manager, ""),
            # a scope of many departments: its baseline is the same lookups without any
            # scope (what they cost someone who sees everything), which does not depend on
            # how the scope is checked, so that runs before and after a change compare
            (f"sales head ({self.scope_note(head_scope)})", head, "no scope: "),
        ]
        for who, employee, unscoped in people:
            client = self.client if employee is self.admin else self._client_for(employee)
            for label, text in queries:
                parsed = tk.parse(text)
                with org_scope(self.org):
                    scope = policy.access_for(employee).scope("customers")

                def raw(parsed=parsed, scope=scope, employee=employee, unscoped=unscoped):
                    for kind in ("customer", "contact"):
                        fulltext.candidates(
                            parsed,
                            fetch=30,
                            org_id=self.org.pk,
                            kind=kind,
                            owner_id=employee.pk,
                            department_ids=scope.department_ids,
                            all_scope=scope.all or bool(unscoped),
                        )

                path = "/api/v1/search?" + urlencode({"q": text})

                def api(path=path, client=client):
                    response = client.get(path)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: HTTP {response.status_code}")
                    return response

                hits = api().json()["count"]
                self.record(
                    f"search {label} as {who} ({hits} hits)",
                    api,
                    raw,
                    note=f"q={text}; baseline: {unscoped}the index lookups alone "
                    "(customers, contacts)",
                )

    def list_search(self):
        """The customer list's search box (``q``) as admin: the first page and the count
        up to the 10,000 cap, for a very common fragment and a selective one."""
        from guanxi.search import query as fulltext

        for label, text in (("a very common fragment", "远航"), ("a name", "杭州远航")):
            found = fulltext.matching_ids(text, org_id=self.org.pk, kind="customer")
            if found is None:
                continue
            ids, params = found
            base = (
                "FROM customers_customer c WHERE c.org_id = %s AND c.deleted_at IS NULL "
                f"AND c.id IN ({ids})"
            )
            args = [self.org.pk, *params]
            page = self.sql(
                "SELECT c.id, c.code, c.name, c.phone, c.region, c.level, c.lifecycle_stage "
                + base
                + " ORDER BY c.id DESC LIMIT 50",
                args,
            )
            count = self.sql("SELECT COUNT(*) FROM (SELECT 1 " + base + " LIMIT 10001) AS m", args)

            def raw(page=page, count=count):
                count()
                page()

            url = "/api/v1/customers?" + urlencode({"limit": 50, "q": text})
            shown = self.get(url)().json()["count"]
            self.record(
                f"customer list q={label} as admin ({shown:,} counted)",
                self.get(url),
                raw,
                note=f"q={text}; baseline: the same index filter in SQL, capped count + page 1",
            )

    def customer_360(self):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from guanxi.core.tenancy import org_scope
        from guanxi.customers.models import Customer

        with org_scope(self.org):
            customer_id = Customer.objects.order_by("id").values_list("id", flat=True)[
                Customer.objects.count() // 3
            ]
        client = Client(SERVER_NAME="localhost")
        client.force_login(self.admin.user)
        path = f"/customers/{customer_id}/"

        def page():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")

        page()
        with CaptureQueriesContext(connection) as queries:
            page()
        self.record(
            f"customer 360 page ({len(queries.captured_queries)} queries)",
            page,
            self.sql(
                "SELECT c.*, o.name, d.name, "
                "(SELECT COUNT(*) FROM customers_contact k WHERE k.customer_id = c.id) "
                "FROM customers_customer c LEFT JOIN orgs_employee o ON o.id = c.owner_id "
                "LEFT JOIN orgs_department d ON d.id = c.department_id WHERE c.id = %s",
                [customer_id],
            ),
            note="HTML detail page with its panels; baseline: the customer row and its counts",
        )

    def _has_tickets(self):
        from guanxi.core.tenancy import all_orgs
        from guanxi.service.tickets.models import Ticket

        with all_orgs():
            return Ticket.objects.filter(org=self.org).exists()

    def _busiest_agent(self):
        """The employee with the most open tickets."""
        from django.db.models import Count

        from guanxi.core.tenancy import org_scope
        from guanxi.orgs.models import Employee
        from guanxi.service.tickets.models import Ticket

        with org_scope(self.org):
            top = (
                Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES, assignee__isnull=False)
                .values("assignee_id")
                .annotate(n=Count("id"))
                .order_by("-n", "assignee_id")
                .first()
            )
            return Employee.objects.select_related("user").get(pk=top["assignee_id"])

    def ticket_pages(self):
        """The service desk at scale: an agent's open tickets, the whole desk's open tickets
        (the administrator sees every ticket), the ticket page and the agent's start page."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from guanxi.core.tenancy import org_scope
        from guanxi.service.tickets.models import Ticket

        agent = self._busiest_agent()
        client = self._client_for(agent)
        open_statuses = list(Ticket.OPEN_STATUSES)
        marks = ", ".join(["%s"] * len(open_statuses))
        columns = (
            "t.id, t.code, t.subject, t.status, t.priority, t.category, t.channel, "
            "t.created_at, c.name, a.name, d.name"
        )
        base = (
            f"SELECT {columns} FROM tickets_ticket t "
            "JOIN customers_customer c ON c.id = t.customer_id "
            "LEFT JOIN orgs_employee a ON a.id = t.assignee_id "
            "LEFT JOIN orgs_department d ON d.id = t.team_id "
            f"WHERE t.org_id = %s AND t.deleted_at IS NULL AND t.status IN ({marks})"
        )

        def get(some_client, path):
            def run():
                response = some_client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")
                return response

            return run

        self.record(
            "ticket list: an agent's open tickets (API)",
            get(client, "/api/v1/tickets?limit=50&status=open&assignee=me"),
            self.sql(
                base + " AND t.assignee_id = %s ORDER BY t.id DESC LIMIT 50",
                [self.org.pk, *open_statuses, agent.pk],
            ),
        )
        self.record(
            "ticket list: the whole desk's open tickets (API, all scope)",
            get(self.client, "/api/v1/tickets?limit=50&status=open"),
            self.sql(base + " ORDER BY t.id DESC LIMIT 50", [self.org.pk, *open_statuses]),
        )
        with org_scope(self.org):
            ticket_id = (
                Ticket.objects.filter(assignee_id=agent.pk)
                .order_by("-id")
                .values_list("id", flat=True)[:1][0]
            )
        browser = Client(SERVER_NAME="localhost")
        browser.force_login(agent.user)
        for name, path, baseline in (
            (
                "ticket page",
                f"/tickets/{ticket_id}/",
                self.sql(
                    base.replace(f" AND t.status IN ({marks})", "") + " AND t.id = %s",
                    [self.org.pk, ticket_id],
                ),
            ),
            (
                "ticket list page (HTML, an agent's open tickets)",
                "/tickets/?status=open&assignee=me",
                self.sql(
                    base + " AND t.assignee_id = %s ORDER BY t.id DESC LIMIT 50",
                    [self.org.pk, *open_statuses, agent.pk],
                ),
            ),
            (
                "start page (an agent: my tickets, SLA due)",
                "/",
                self.sql(
                    base + " AND t.assignee_id = %s ORDER BY t.id DESC LIMIT 10",
                    [self.org.pk, *open_statuses, agent.pk],
                ),
            ),
        ):
            run = get(browser, path)
            run()
            with CaptureQueriesContext(connection) as queries:
                run()
            self.record(
                f"{name} ({len(queries.captured_queries)} queries)",
                run,
                baseline,
                note="HTML page; baseline: its main rows in one query",
            )

    def export_all(self):
        import csv
        import io

        from django.db import transaction

        from guanxi.core.tenancy import org_scope
        from guanxi.customers.jobs import EXPORT_KIND
        from guanxi.jobs import services as jobs
        from guanxi.jobs.models import Job

        state = {}

        def export():
            with org_scope(self.org):
                with transaction.atomic():
                    job = jobs.job_start(actor=self.admin, kind=EXPORT_KIND, params={})
                jobs.job_run(job.pk)
                job = Job.objects.get(pk=job.pk)
            if job.status != Job.Status.SUCCEEDED:
                raise RuntimeError(f"export: {job.status} {job.error}")
            state["rows"] = job.result.get("rows")

        def raw():
            out = io.StringIO()
            writer = csv.writer(out)
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT c.code, c.name, c.mnemonic, c.phone, c.email, c.address, c.postcode, "
                    "c.region, c.industry, c.level, c.type, c.status, c.credit_rating, "
                    "c.credit_limit, c.source, o.name, d.name, c.lifecycle_stage, c.tags, "
                    "c.registered_on, c.notes FROM customers_customer c "
                    "LEFT JOIN orgs_employee o ON o.id = c.owner_id "
                    "LEFT JOIN orgs_department d ON d.id = c.department_id "
                    "WHERE c.org_id = %s AND c.deleted_at IS NULL ORDER BY c.id",
                    [self.org.pk],
                )
                while rows := cursor.fetchmany(2000):
                    writer.writerows(rows)

        repeat = self.args.export_repeat
        timed = summary(measure(export, repeat, 0))
        base = summary(measure(raw, repeat, 0))
        self.results.append(
            {
                "operation": f"export all customers to CSV ({state.get('rows', 0):,} rows)",
                "note": "the real background job (masking, labels, audit) vs the raw query "
                "written with csv.writer",
                "ms": timed,
                "baseline_ms": base,
                "ratio_p50": timed["p50"] / base["p50"] if base["p50"] else None,
            }
        )

    def run(self):
        only = {g.strip() for g in self.args.only.split(",") if g.strip()}

        def wanted(group):
            return not only or group in only

        groups = [
            ("employees", self.employee_pages),
            ("products", self.product_filter),
            ("departments", self.department_tree),
        ]
        if self._has_customers():
            groups += [
                ("customers", self.customer_pages),
                ("search", self.search_queries),
                ("search", self.list_search),
                ("360", self.customer_360),
            ]
            if self._has_tickets():
                groups.append(("tickets", self.ticket_pages))
            if self.args.export_repeat:
                groups.append(("export", self.export_all))
        else:
            print("skipped customers, search, 360 and export: no customers were generated")
        groups.append(("login", self.login_token))
        for group, func in groups:
            if wanted(group):
                func()
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
        from guanxi.customers.models import Contact, Customer
        from guanxi.orgs.models import Organization
        from guanxi.search.models import SearchEntry
        from guanxi.service.tickets.models import Ticket

        data["customers"] = Customer.objects.filter(org=org).count()
        data["contacts"] = Contact.objects.filter(org=org).count()
        data["tickets"] = Ticket.with_deleted.filter(org=org).count()
        data["all orgs"] = {
            "orgs": Organization.objects.count(),
            "customers": Customer.objects.count(),
            "contacts": Contact.objects.count(),
            "search entries": SearchEntry.objects.count(),
        }
    return data


def print_table(results):
    header = (
        f"{'operation':<62} {'p50 ms':>8} {'p95 ms':>8} {'raw p50':>8} {'raw p95':>8} {'×raw':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in results:
        ms, base = row["ms"], row["baseline_ms"]
        ratio = f"{row['ratio_p50']:.1f}" if row["ratio_p50"] else "-"
        print(
            f"{row['operation']:<62} {ms['p50']:>8.2f} {ms['p95']:>8.2f} "
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
