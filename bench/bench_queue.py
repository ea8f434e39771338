"""The clerk's work queue at scale: does a page cost the same at 10,000 cases as at 1,000,000?

    python bench/bench_queue.py [--sizes 10000,1000000] [--requests 200] [--keep]

Runs against the PostgreSQL server of ``YIWANG_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/yiwang``), in a scratch database ``<name>_bench_queue``
created fresh (and dropped afterwards unless ``--keep``).

The world: ten departments, the test suite's two-step shop permit (a reviewer checks, an
approver decides) and cases spread evenly over the departments, 8 % of them still in progress
(their first step open or claimed, due dates from 60 days ago to 60 days ahead) and the rest
decided. Cases and tasks are written with ``INSERT … SELECT generate_series`` (the platform's
own submission is measured by its own benchmark), then ``ANALYZE``.

For each size it measures, in-process with Django's test client (middleware, session, selectors,
template — everything but the network), the time of:

* ``GET /backoffice/queue/`` for a team lead (the whole department) and a reviewer (their role's
  steps), first page and a later page (by cursor);
* the same queue filtered to overdue tasks only;
* ``GET /api/v1/tasks`` (the JSON queue) and ``GET /api/v1/me`` (the cheapest authenticated call,
  as the floor).

Target: queue page p50 <= 20 ms at 1,000,000 cases and flat from 10,000 (within 1.5x).
Prints a markdown table and writes bench/results/queue.json. Also prints the plan of one queue
slice, to show it walks the ``task_queue_idx`` index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the bench package importable
    sys.path.insert(0, str(ROOT))

from bench._common import drop_database, markdown_table, scratch_database, write_result  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang"
DEFINITION = ROOT / "src" / "yiwang" / "api" / "tests" / "definitions" / "shop-permit.yaml"
DEPARTMENTS = 10
TARGET_MS = 20.0
FLATNESS = 1.5


# --- database set-up ------------------------------------------------------------------------
def setup_django(url: str, data_dir: str) -> None:
    os.environ["YIWANG_DATABASE_URL"] = url
    os.environ["YIWANG_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.conf.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- the world --------------------------------------------------------------------------------
def make_world() -> dict[str, Any]:
    """Departments, the published service, a citizen, a team lead and a reviewer."""
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue.selectors import published_service
    from yiwang.catalogue.services import load_definitions
    from yiwang.identity.constants import AccountKind, RegionLevel, Role
    from yiwang.identity.domain import make_national_id
    from yiwang.identity.models import Account, Department, Membership, Person, Region

    region = Region.objects.create(
        code="BENCH", name_zh="基准区", name_en="Bench District", level=RegionLevel.DISTRICT
    )
    departments = [
        Department.objects.create(
            code="bo-licensing" if i == 0 else f"bench-{i}",
            name_zh=f"部门{i}",
            name_en=f"Department {i}",
            region=region,
        )
        for i in range(DEPARTMENTS)
    ]
    load_definitions([DEFINITION], actor=system_actor("bench"), publish=True)
    citizen = Account.objects.create_user("bench.citizen", kind=AccountKind.CITIZEN)
    person = Person.objects.create(
        account=citizen,
        national_id=make_national_id("110101", dt.date(1990, 3, 7), 123),
        name="基准申请人",
    )
    staff = {}
    for name, role in (("bench.lead", Role.TEAM_LEAD), ("bench.reviewer", Role.REVIEWER)):
        account = Account.objects.create_user(name, kind=AccountKind.STAFF, display_name=name)
        Membership.objects.create(account=account, department=departments[0], role=role)
        staff[role] = account
    version = published_service("shop-permit")
    assert version is not None
    return {
        "departments": [d.pk for d in departments],
        "version": version.pk,
        "person": person.pk,
        "citizen": citizen.pk,
        "lead": staff[Role.TEAM_LEAD],
        "reviewer": staff[Role.REVIEWER],
    }


def grow(world: dict[str, Any], start: int, end: int) -> float:
    """Insert cases ``start+1 .. end`` (one application, one case, two tasks each)."""
    from django.db import connection, transaction

    departments = "ARRAY[" + ",".join(str(d) for d in world["departments"]) + "]::bigint[]"
    params = {
        "start": start + 1,
        "end": end,
        "version": world["version"],
        "person": world["person"],
        "citizen": world["citizen"],
        "lead": world["lead"].pk,
    }
    # g: the case number. Active (8 %): first step open, or claimed by the lead (1 in 4 of them).
    # (%% is the modulo operator: the statements below carry query parameters.)
    active = "((g * 31) %% 100 < 8)"
    claimed = "((g * 31) %% 100 < 2)"
    due = "(current_date + ((g * 7919) %% 121 - 60)::int)"
    dept = f"({departments})[1 + (g %% {DEPARTMENTS})]"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO applications_application (id, receipt_number, kind, service_version_id,
                service_versions, applicant_id, created_by_id, submitted_by_id, form_data,
                current_page, status, outcome, language, idempotency_key, created_at, updated_at,
                submitted_at, completed_at, fields_prefilled, materials_prefilled)
            SELECT g, 'YWBENCH' || lpad(g::text, 12, '0'), 'service', %(version)s,
                jsonb_build_object('shop-permit', %(version)s), %(person)s, %(citizen)s,
                %(citizen)s, '{{"shop_name": "Corner Shop", "floor_area": 30}}'::jsonb, 'shop',
                CASE WHEN {active} THEN 'submitted' ELSE 'completed' END,
                CASE WHEN {active} THEN '' ELSE 'approved' END, 'zh-hans', '',
                now() - interval '30 days', now(), now() - interval '30 days',
                CASE WHEN {active} THEN NULL ELSE now() END, 0, 0
            FROM generate_series(%(start)s::bigint, %(end)s::bigint) AS g
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO applications_case (id, application_id, service_version_id, service_code,
                name_zh, name_en, department_id, position, status, accepted_at, promised_days,
                statutory_days, due_date, statutory_due_date, warning_date, overdue_date,
                deadline_state, decided_at, outcome)
            SELECT g, g, %(version)s, 'shop-permit', '小店经营许可', 'Small shop permit', {dept},
                0, CASE WHEN {active} THEN 'in_progress' ELSE 'approved' END,
                now() - interval '30 days', 5, 20, {due} + 3, {due} + 20, {due} + 2, {due} + 4,
                CASE WHEN {due} < current_date THEN 'overdue' ELSE 'on_time' END,
                CASE WHEN {active} THEN NULL ELSE now() END,
                CASE WHEN {active} THEN '' ELSE 'approved' END
            FROM generate_series(%(start)s::bigint, %(end)s::bigint) AS g
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO applications_task (id, case_id, service_code, stage_id, step_code,
                position, department_id, role, name_zh, name_en, promised_days, status,
                assignee_id, opened_at, claimed_at, due_date, decision, reason, decided_by_id,
                decided_at)
            SELECT 2 * g - 1, g, 'shop-permit', 'review', 'check', 0, {dept}, 'reviewer',
                '材料审查', 'Check the application', 2,
                CASE WHEN {claimed} THEN 'claimed' WHEN {active} THEN 'open' ELSE 'done' END,
                CASE WHEN {claimed} THEN %(lead)s ELSE NULL END, now() - interval '30 days',
                CASE WHEN {claimed} THEN now() ELSE NULL END, {due},
                CASE WHEN {active} THEN '' ELSE 'approve' END, '',
                CASE WHEN {active} THEN NULL ELSE %(lead)s END,
                CASE WHEN {active} THEN NULL ELSE now() END
            FROM generate_series(%(start)s::bigint, %(end)s::bigint) AS g
            UNION ALL
            SELECT 2 * g, g, 'shop-permit', 'decision', 'approve', 1, {dept}, 'approver',
                '审批', 'Decide', 1, CASE WHEN {active} THEN 'waiting' ELSE 'done' END,
                NULL, CASE WHEN {active} THEN NULL ELSE now() END, NULL,
                CASE WHEN {active} THEN NULL ELSE {due} + 1 END,
                CASE WHEN {active} THEN '' ELSE 'approve' END, '',
                CASE WHEN {active} THEN NULL ELSE %(lead)s END,
                CASE WHEN {active} THEN NULL ELSE now() END
            FROM generate_series(%(start)s::bigint, %(end)s::bigint) AS g
            """,
            params,
        )
        for table in ("applications_application", "applications_case", "applications_task"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        for table in ("applications_application", "applications_case", "applications_task"):
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


# --- measuring --------------------------------------------------------------------------------
def client_for(account: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(account)
    return client


def time_get(client: Any, url: str, n: int) -> list[float]:
    for _ in range(max(5, n // 20)):  # warm up: caches, connections, templates
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def later_page(client: Any, url: str, pages: int = 3) -> str:
    """The address of a page a few "next" links in (so the cursor path is measured)."""
    import re

    for _ in range(pages):
        html = client.get(url).content.decode()
        match = re.search(r'<a href="([^"]+)" rel="next">', html)
        if match is None:
            break
        url = match.group(1).replace("&amp;", "&")
    return url


def queue_plan(world: dict[str, Any]) -> str:
    from django.db import connection

    from yiwang.applications import selectors
    from yiwang.backoffice.views.queue import ROW_FIELDS

    # The first page's query of the "open" slice, exactly as the queue page sends it.
    qs = (
        selectors.tasks_for_queue(actor=world["lead"], status="open")
        .only(*ROW_FIELDS)
        .filter(due_date__isnull=False)
    )
    qs = qs.order_by("due_date", "pk")[:26]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan


def measure(world: dict[str, Any], n: int) -> dict[str, dict[str, float]]:
    lead = client_for(world["lead"])
    reviewer = client_for(world["reviewer"])
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    urls = {
        "queue, team lead, page 1": (lead, "/backoffice/queue/"),
        "queue, team lead, page 4": (lead, later_page(lead, "/backoffice/queue/")),
        "queue, reviewer, page 1": (reviewer, "/backoffice/queue/"),
        "queue, overdue only": (lead, f"/backoffice/queue/?due_before={today}"),
        "API GET /tasks": (lead, "/api/v1/tasks?limit=25"),
        "API GET /me (floor)": (lead, "/api/v1/me"),
    }
    out = {}
    for label, (client, url) in urls.items():
        timings = time_get(client, url, n)
        out[label] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(statistics.quantiles(timings, n=20)[18], 2),
        }
        print(f"  {label}: p50 {out[label]['p50_ms']} ms", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="case counts, ascending")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    url = os.environ.get("YIWANG_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench_queue needs PostgreSQL; YIWANG_DATABASE_URL is {url!r}", file=sys.stderr)
        return 2
    scratch, admin = scratch_database(url, "bench_queue")
    data_dir = tempfile.mkdtemp(prefix="yiwang-bench-queue-")
    print(f"scratch database: {scratch.rpartition('@')[2]}", flush=True)
    # Timings on a shared machine say little without its load; it is recorded with them.
    results: dict[str, Any] = {"sizes": {}, "target_p50_ms": TARGET_MS, "load_average": {}}
    try:
        setup_django(scratch, data_dir)
        world = make_world()
        have = 0
        for size in sizes:
            took = grow(world, have, size)
            have = size
            print(f"{size:,} cases ({2 * size:,} tasks) written in {took:.1f} s", flush=True)
            results["sizes"][str(size)] = measure(world, args.requests)
            results["load_average"][str(size)] = round(os.getloadavg()[0], 2)
        results["plan"] = queue_plan(world)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin, scratch)

    labels = list(next(iter(results["sizes"].values())))
    smallest, largest = str(sizes[0]), str(sizes[-1])
    rows = []
    for label in labels:
        low = results["sizes"][smallest][label]["p50_ms"]
        high = results["sizes"][largest][label]["p50_ms"]
        rows.append(
            [label, *(results["sizes"][str(s)][label]["p50_ms"] for s in sizes),
             f"{high / low:.2f}x" if low else "-"]
        )  # fmt: skip
    queue_p50 = results["sizes"][largest]["queue, team lead, page 1"]["p50_ms"]
    ratio = queue_p50 / results["sizes"][smallest]["queue, team lead, page 1"]["p50_ms"]
    results["met"] = {
        "p50_at_largest": queue_p50 <= TARGET_MS,
        "flat": ratio <= FLATNESS,
    }
    print()
    print(markdown_table(["p50 (ms)", *(f"{s:,} cases" for s in sizes), "ratio"], rows))
    print(f"\nqueue page p50 at {sizes[-1]:,}: {queue_p50} ms (target {TARGET_MS} ms): "
          f"{'met' if results['met']['p50_at_largest'] else 'NOT met'}; "
          f"{ratio:.2f}x the {sizes[0]:,} figure (target <= {FLATNESS}x): "
          f"{'met' if results['met']['flat'] else 'NOT met'}")  # fmt: skip
    print(f"load average while measuring: {results['load_average']} on {os.cpu_count()} CPUs")
    print("\nplan of one queue slice:\n" + results["plan"])
    path = write_result("queue", results)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
