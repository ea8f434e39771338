"""The auditors' search on PostgreSQL: building its index, and searching with and without it.

    python -m bench.bench_audit_search [--events 1000000] [--days 90] [--keep]

In a scratch database ``<name>_bench_audit_search`` (created fresh; the audit tables are
append-only, so a bench cannot clean up after itself any other way): N events spread over the
last ``--days`` days are sealed, then indexed for search (timed: the seal task does this after
every seal). Before them comes one event about a person and a record, and of an action, named
nowhere else; after them, one event by an actor named nowhere else, sealed but not yet indexed,
as the newest events are.

Then, for those four (the record by its type and id, and by its id alone), a person with a
thousand events, an actor with two thousand, and one day 60 days back (dates alone), the time of
a page of search results (50 events, newest first) through ``events_for_auditor``, beside the
same page found by reading the log newest first by id (the search as it was without the index).
No target in the issues; the figures are reported.

Prints a markdown table and writes bench/results/audit_search.json.
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
from bench.bench_audit import DEFAULT_URL, generate_events, setup_django, timed_cpu  # noqa: E402

RARE_PERSON = "person:110105194912319999"
# The generated events name 1,000 people in turn and 500 clerks (ids 1000-1499) in turn.
COMMON_PERSON = "person:11010519491231002X"
COMMON_ACTOR = "1002"
RARE_ACTOR = "77777"
RARE_ACTION = "identity.account_locked"
REPEATS = 5


def _auditor() -> Any:
    from yiwang.identity.models import Account, Department, Membership, Region

    region = Region.objects.create(code="BENCH", level="city", name_zh="基准", name_en="Bench")
    department = Department.objects.create(
        code="bench", region=region, name_zh="审计", name_en="Audit"
    )
    account = Account.objects.create_user("bench-auditor", kind="staff")
    Membership.objects.create(account=account, department=department, role="auditor")
    return account


def _median_ms(fn: Any) -> tuple[float, Any]:
    fn()  # warm the caches
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times), result


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from yiwang.audit import domain, selectors
    from yiwang.audit.actors import Actor
    from yiwang.audit.search_index import index_sealed
    from yiwang.audit.services import build_event, event_fields, record_event, seal
    from yiwang.core import clock

    # The oldest event, about a person named nowhere else: the most reading finds it last.
    oldest = build_event(
        actor=Actor(type="staff", id="1000", label="Clerk", department="bench", role=""),
        action=RARE_ACTION,
        object_type="applications.case",
        object_id="YW2026RARE",
        subjects=[RARE_PERSON],
    )
    oldest.created_at = clock.now() - dt.timedelta(days=args.days + 1)
    oldest.content_hash = domain.content_hash(event_fields(oldest))
    oldest.save()
    print(f"generating {args.events:,} events over {args.days} days…", flush=True)
    generate_events(args.events, days=args.days)
    seal()
    print("indexing…", flush=True)
    took, cpu, indexed = timed_cpu(index_sealed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_searchterm")  # as autovacuum would, in time
    # The newest event, by an actor named nowhere else: sealed since the index's checkpoint,
    # so the search finds it by reading the recent events.
    record_event(
        actor=Actor(type="staff", id=RARE_ACTOR, label="Clerk", department="bench", role=""),
        action="exchange.record_read",
        subjects=[COMMON_PERSON],
    )
    seal()
    auditor = _auditor()
    metrics: list[dict[str, Any]] = [
        {
            "metric": f"index {indexed:,} sealed events for search",
            "measured": f"{took:.2f} s (CPU: client {cpu['client_cpu_seconds']:.2f} s"
            + (
                f", database {cpu['server_cpu_seconds']:.2f} s)"
                if cpu["server_cpu_seconds"] is not None
                else ")"
            ),
            "floor": "-",
        }
    ]
    raw: dict[str, Any] = {"events": args.events, "days": args.days, "index_seconds": took}
    back_60 = timezone.localdate() - dt.timedelta(days=60)
    cases = [
        ("a person with 1 event, the oldest", {"subject": RARE_PERSON}),
        ("a person with 1,001 events", {"subject": COMMON_PERSON}),
        ("an action with 1 event, the oldest", {"action": RARE_ACTION}),
        (
            "a record with 1 event, the oldest",
            {"object_type": "applications.case", "object_id": "YW2026RARE"},
        ),
        ("a record by its id alone, 1 event, the oldest", {"object_id": "YW2026RARE"}),
        ("an actor with 1 event, the newest", {"actor_id": RARE_ACTOR}),
        ("an actor with 2,000 events", {"actor_id": COMMON_ACTOR}),
        ("one day, 60 days back, by dates alone", {"since": back_60, "until": back_60}),
    ]
    total = args.events + 2
    for label, filters in cases:
        indexed_ms, found = _median_ms(
            lambda f=filters: selectors.events_for_auditor(actor=auditor, **f)
        )
        read_ms, read = _median_ms(
            lambda f=filters: list(selectors._matching(f)[: selectors.SEARCH_LIMIT])
        )
        if [e.pk for e in found] != [e.pk for e in read]:
            raise AssertionError(f"{label}: the index found other events than reading")
        raw[label] = {"indexed_ms": indexed_ms, "read_ms": read_ms, "found": len(found)}
        metrics.append(
            {
                "metric": f"search {label}, among {total:,} (first page)",
                "measured": f"{indexed_ms:.1f} ms ({len(found)} found)",
                "floor": f"reading the log instead: {read_ms:.1f} ms",
            }
        )
    return {"metrics": metrics, "raw": raw}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the log")
    parser.add_argument("--days", type=float, default=90, help="days the events span")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    url = os.environ.get("YIWANG_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            f"bench_audit_search needs PostgreSQL; YIWANG_DATABASE_URL is {url!r}", file=sys.stderr
        )
        return 2
    scratch, admin = scratch_database(url, "bench_audit_search")
    print(f"scratch database: {scratch.rpartition('@')[2]}", flush=True)
    try:
        setup_django(scratch, tempfile.mkdtemp(prefix="yiwang-bench-search-"))
        results = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin, scratch)
    rows = [(m["metric"], m["measured"], m["floor"]) for m in results["metrics"]]
    print()
    print(markdown_table(["metric", "measured", "floor / baseline (same run)"], rows))
    path = write_result("audit_search", results)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
