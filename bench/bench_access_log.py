"""数据使用记录 at scale: does a person's "who used my data" page stay fast with 10,000 entries?

    python bench/bench_access_log.py [--entries 10000] [--others 90000] [--requests 200] [--keep]

Runs against the PostgreSQL server of ``YIWANG_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/yiwang``), in a scratch database ``<name>_bench_access_log``
created fresh (and dropped afterwards unless ``--keep``).

The world: four consumer departments reading one provider's registry of people, one citizen
with ``--entries`` access-log entries over the past year (one in ten refused, one in five by a
named official, the rest by department systems or restricted to the official's role) and
``--others`` entries about other people, so the index has to find the person's rows among
many. Entries are written with ``bulk_create``, then ``ANALYZE``.

It measures, in-process with Django's test client (middleware, session, selectors, template —
everything but the network), ``GET /my/data/`` first page, a page 40 pages in, filtered by one
department and by a month, and the person's empty inbox as the baseline of a bare
authenticated portal page in the same run.

Target: access-log page p50 <= 20 ms at 10,000 entries for one person. Prints a markdown table
and writes bench/results/access_log.json, with the plan of the page's query (it should walk the
``access_log_subject`` index).
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
TARGET_MS = 20.0
CONSUMERS = 4


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
def make_world(entries: int, others: int) -> dict[str, Any]:
    from django.db import connection

    from yiwang.exchange.constants import (
        SYSTEM_ROLE,
        Classification,
        ElementType,
        Outcome,
        Reason,
        SharingClass,
        SubjectKind,
    )
    from yiwang.exchange.models import (
        AccessLogEntry,
        DataElement,
        DepartmentSystem,
        Purpose,
        Registry,
        RegistryField,
        SharingAgreement,
    )
    from yiwang.identity.constants import AccountKind, RegionLevel, Role
    from yiwang.identity.domain import make_national_id
    from yiwang.identity.models import Account, Department, Person, Region

    region = Region.objects.create(
        code="BENCH", name_zh="基准区", name_en="Bench District", level=RegionLevel.DISTRICT
    )
    provider = Department.objects.create(
        code="registrar", name_zh="登记局", name_en="Registrar", region=region
    )
    consumers = [
        Department.objects.create(
            code=f"consumer-{i}", name_zh=f"使用部门{i}", name_en=f"Consumer {i}", region=region
        )
        for i in range(CONSUMERS)
    ]
    registry = Registry.objects.create(
        code="people",
        name_zh="人口库",
        name_en="People",
        department=provider,
        subject_kind=SubjectKind.PERSON,
        subject_field="national_id",
        record_key_field="national_id",
    )
    for position, (code, zh, en, kind) in enumerate(
        [
            ("national_id", "身份证号码", "Citizen ID number", ElementType.STRING),
            ("person_name", "姓名", "Name", ElementType.STRING),
            ("birth_date", "出生日期", "Date of birth", ElementType.DATE),
            ("address", "住址", "Address", ElementType.STRING),
        ]
    ):
        element = DataElement.objects.create(
            code=code, name_zh=zh, name_en=en, type=kind, classification=Classification.SENSITIVE
        )
        RegistryField.objects.create(
            registry=registry, name=code, element=element, position=position
        )
    purpose = Purpose.objects.create(code="benefit", name_zh="待遇审核", name_en="Benefits")
    for d in consumers:  # the department filter offers the consumers of agreements
        SharingAgreement.objects.create(
            code=f"{d.code}-people",
            name_zh="读取人口信息",
            name_en="Reads people data",
            consumer=d,
            registry=registry,
            fields=["person_name", "birth_date"],
            legal_basis_zh="《示例条例》第十条",
            legal_basis_en="Example Regulation, article 10",
            sharing_class=SharingClass.UNCONDITIONAL,
            valid_from=dt.date(2020, 1, 1),
        )
    officials = [
        Account.objects.create_user(
            f"official.{i}", kind=AccountKind.STAFF, display_name=f"官员{i}"
        )
        for i in range(CONSUMERS)
    ]
    systems = [DepartmentSystem.objects.create(department=d, name="core") for d in consumers]
    citizen = Account.objects.create_user("bench.citizen", kind=AccountKind.CITIZEN)
    person = Person.objects.create(
        account=citizen,
        national_id=make_national_id("110101", dt.date(1990, 3, 7), 123),
        name="基准申请人",
    )
    now = dt.datetime.now(dt.UTC)

    def entry(i: int, subject: str) -> AccessLogEntry:
        consumer = i % CONSUMERS
        denied = i % 10 == 0
        by_system = i % 5 == 1
        restricted = not by_system and i % 5 >= 3
        return AccessLogEntry(
            created_at=now - dt.timedelta(minutes=53 * i),
            subject_kind=SubjectKind.PERSON,
            subject_key=subject,
            outcome=Outcome.DENIED if denied else Outcome.SERVED,
            reason=Reason.NO_AGREEMENT if denied else Reason.ALLOWED,
            consumer=consumers[consumer],
            consumer_code=consumers[consumer].code,
            account=None if by_system else officials[consumer],
            system=systems[consumer] if by_system else None,
            role=SYSTEM_ROLE if by_system else Role.REVIEWER,
            identity_restricted=restricted,
            registry=registry,
            fields=["person_name", "birth_date"],
            purpose=purpose,
            purpose_code=purpose.code,
            legal_basis_zh="《示例条例》第十条",
            legal_basis_en="Example Regulation, article 10",
            case_ref=f"YW{i:012d}",
        )

    started = time.perf_counter()
    batch: list[AccessLogEntry] = []
    for i in range(entries):
        batch.append(entry(i, str(person.national_id)))
        if len(batch) >= 5000:
            AccessLogEntry.objects.bulk_create(batch)
            batch = []
    for i in range(others):
        other = make_national_id(
            "110101", dt.date(1980, 1, 1) + dt.timedelta(days=i % 9000), i % 997
        )
        batch.append(entry(i, other))
        if len(batch) >= 5000:
            AccessLogEntry.objects.bulk_create(batch)
            batch = []
    AccessLogEntry.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{entries + others:,} access-log entries written in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    return {"citizen": citizen, "person": person, "consumer": consumers[1].code}


# --- measuring --------------------------------------------------------------------------------
def client_for(account: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(account)
    return client


def time_get(client: Any, url: str, n: int) -> list[float]:
    for _ in range(max(5, n // 20)):  # warm up: caches, connections, templates
        warm = client.get(url)
        assert warm.status_code == 200 and b"error-summary" not in warm.content, url
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def page_plan(world: dict[str, Any]) -> str:
    from django.db import connection

    from yiwang.exchange.constants import SubjectKind
    from yiwang.exchange.selectors import _entries

    person = str(world["person"].national_id)
    qs = _entries(SubjectKind.PERSON, person, reader_id=world["citizen"].pk)[:26]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(world: dict[str, Any], n: int) -> dict[str, dict[str, float]]:
    from django.utils import timezone

    client = client_for(world["citizen"])
    month_ago = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    urls = {
        "access log, page 1": "/my/data/",
        "access log, page 40": "/my/data/?page=40",
        "access log, one department": f"/my/data/?department={world['consumer']}",
        "access log, last 30 days": f"/my/data/?since={month_ago}",
        "inbox (bare authenticated page)": "/my/inbox/",
    }
    out = {}
    for label, url in urls.items():
        timings = time_get(client, url, n)
        out[label] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(statistics.quantiles(timings, n=20)[18], 2),
        }
        print(f"  {label}: p50 {out[label]['p50_ms']} ms", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000, help="entries of the one person")
    parser.add_argument("--others", type=int, default=90_000, help="entries of other people")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    url = os.environ.get("YIWANG_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench_access_log needs PostgreSQL; YIWANG_DATABASE_URL is {url!r}", file=sys.stderr)
        return 2
    scratch, admin = scratch_database(url, "bench_access_log")
    data_dir = tempfile.mkdtemp(prefix="yiwang-bench-access-log-")
    print(f"scratch database: {scratch.rpartition('@')[2]}", flush=True)
    results: dict[str, Any] = {
        "entries": args.entries,
        "others": args.others,
        "requests": args.requests,
        "target_p50_ms": TARGET_MS,
    }
    try:
        setup_django(scratch, data_dir)
        world = make_world(args.entries, args.others)
        results["pages"] = measure(world, args.requests)
        results["load_average"] = round(os.getloadavg()[0], 2)
        results["plan"] = page_plan(world)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin, scratch)

    baseline = results["pages"]["inbox (bare authenticated page)"]["p50_ms"]
    rows = [
        [label, v["p50_ms"], v["p95_ms"], f"{v['p50_ms'] - baseline:+.2f}"]
        for label, v in results["pages"].items()
    ]
    page_p50 = results["pages"]["access log, page 1"]["p50_ms"]
    results["met"] = {"p50_page_1": page_p50 <= TARGET_MS}
    print()
    print(markdown_table(["page", "p50 (ms)", "p95 (ms)", "p50 over baseline (ms)"], rows))
    print()
    print(f"target: access log page 1 p50 <= {TARGET_MS} ms at {args.entries:,} entries: "
          f"{'met' if results['met']['p50_page_1'] else 'NOT met'} ({page_p50} ms); "
          f"load average {results['load_average']}")  # fmt: skip
    print()
    print(results["plan"])
    path = write_result("access_log", results)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
