"""Audit log speed on PostgreSQL: appending, sealing and verifying.

    python bench/bench_audit.py [--events 1000000] [--ops 2000] [--keep]

Runs against the PostgreSQL server of ``YIWANG_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/yiwang``), in a scratch database ``<name>_bench_audit`` that
is created fresh, so no real log is touched (the audit tables are append-only: a bench cannot
clean up after itself any other way).

1. Append: events/s of ``record_event`` with 1 and 8 writer processes, one commit per event,
   beside a bare INSERT of rows of the same size into a plain table with the same indexes; and
   two writes, each alone versus the same write plus its audit event in the same transaction:
   the smallest write there is (one raw INSERT), and a write as the platform's services make
   one (lock a row with SELECT ... FOR UPDATE, change it and save it through the ORM, as
   claiming or deciding a task does). Target: the audited write costs at most 1.2x the write
   alone. The kinds run in alternating rounds; medians are reported. Beside the raw write, its
   floor: the same statements in the same messages from pgbench, with no Python client
   (``bench/_pgbench.py``; left out where pgbench is not installed). The writers and the writes
   they compare are in ``bench/_audit_append.py``.
2. Seal: ``seal()`` over N unsealed events (target 10 s for 1,000,000), beside COPY-ing N rows of
   the same shape into a table with the same indexes.
3. Verify: ``verify()`` of the whole log, reading included (target 5 s for 1,000,000), beside
   the same reads without any checking; three alternating rounds, medians reported.

Prints a markdown table and writes bench/results/audit.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the bench package importable
    sys.path.insert(0, str(ROOT))

from bench._audit_append import (  # noqa: E402
    ACTIONS,
    DEPARTMENTS,
    append_metrics,
    create_write_tables,
)
from bench._common import drop_database, markdown_table, scratch_database, write_result  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang"
VERIFY_ROUNDS = 3


# --- database set-up ------------------------------------------------------------------------
def setup_django(url: str, data_dir: str) -> None:
    os.environ["YIWANG_DATABASE_URL"] = url
    os.environ.setdefault("YIWANG_DATA_DIR", data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.conf.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        create_write_tables(cursor)


# --- 2 and 3. a large log -------------------------------------------------------------------
def generate_events(count: int, days: float = 0) -> float:
    """Insert ``count`` realistic events in SQL, content hash computed by PostgreSQL itself
    with the very text the verifier hashes, so the log is valid without a Python round trip.

    The events are spread over the last few minutes, recent enough for the sealer's window
    after a checkpoint; or, with ``days``, over that many days up to a few minutes ago (which
    only a log's first seal takes)."""
    from django.db import connection

    from yiwang.audit import domain
    from yiwang.audit.verify import PG_EVENT_TEXT

    columns = [
        {"subjects": "subjects_json", "data": "data_json"}.get(name, name)
        for name in domain.EVENT_FIELDS
    ]
    text = PG_EVENT_TEXT
    actions = "ARRAY[" + ", ".join(f"'{a}'" for a in ACTIONS) + "]"
    depts = "ARRAY[" + ", ".join(f"'{d}'" for d in DEPARTMENTS) + "]"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        span = float(days * 86400 or 240)
        cursor.execute(
            f"""
            INSERT INTO audit_auditevent ({", ".join(columns)}, content_hash)
            SELECT {", ".join(f"e.{c}" for c in columns)}, sha256(convert_to({text}, 'UTF8'))
            FROM (
                SELECT
                    now() - interval '1 minute' - (%s - g * %s / %s) * interval '1 second'
                        AS created_at,
                    'staff'::varchar AS actor_type,
                    (1000 + g %% 500)::text AS actor_id,
                    'Clerk ' || (g %% 500) AS actor_label,
                    ({depts})[1 + g %% 8] AS actor_department,
                    'reviewer'::varchar AS actor_role,
                    ({actions})[1 + g %% 5] AS action,
                    'applications.case'::varchar AS object_type,
                    g::text AS object_id,
                    '["person:11010519491231' || lpad((g %% 1000)::text, 3, '0') || 'X"]'
                        AS subjects_json,
                    'prefill'::varchar AS purpose,
                    md5(g::text) AS request_id,
                    '{{"agreement":"AG-2026-' || lpad((g %% 97)::text, 4, '0')
                        || '","case":"YW2026' || lpad(g::text, 8, '0')
                        || '","fields":["name","birth_date","address","household"],'
                        || '"result":"served"}}' AS data_json
                FROM generate_series(1, %s) AS g
            ) AS e
            """,
            [span, span, count, count],
        )
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    return time.perf_counter() - started


def seal_floor(count: int) -> float:
    """Read N (id, hash) pairs and COPY N leaf-shaped rows into an indexed table."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_leaf (LIKE audit_leaf INCLUDING INDEXES) ON COMMIT DROP"
            )
        with raw.cursor(name="bench_floor") as cursor:
            cursor.execute(
                "SELECT id, content_hash FROM audit_auditevent ORDER BY id LIMIT %s", [count]
            )
            index = 0
            while rows := cursor.fetchmany(50_000):
                with (
                    raw.cursor() as out,
                    out.copy(
                        "COPY bench_leaf (leaf_index, event_id, content_hash) "
                        "FROM STDIN (FORMAT BINARY)"
                    ) as copy,
                ):
                    copy.set_types(["int8", "int8", "bytea"])
                    for event_id, digest in rows:
                        copy.write_row((index, event_id, digest))
                        index += 1
    return time.perf_counter() - started


def verify_floor() -> float:
    """Read what verify reads, the way it reads it (the leaves and the events side by side, on
    two connections where verify uses two), without hashing or checking anything."""
    from collections import deque

    from yiwang.audit.verify import log_streams

    started = time.perf_counter()
    with log_streams() as (leaves, events, checkpoints):
        for _ in zip(leaves, events, strict=False):
            pass
        for rest in (leaves, events, checkpoints):
            deque(rest, maxlen=0)
    return time.perf_counter() - started


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (local servers only)."""
    from django.db import connection

    connection.ensure_connection()
    stat = Path(f"/proc/{connection.connection.info.backend_pid}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_note(used: dict[str, float | None]) -> str:
    server = used["server_cpu_seconds"]
    note = f"CPU: client {used['client_cpu_seconds']:.2f} s"
    # The database figure is the main connection's server process only.
    return note + (f", database {server:.2f} s" if server is not None else "")


def timed_cpu(fn: Any) -> tuple[float, dict[str, float | None], Any]:
    """Wall seconds; CPU seconds of this process (all threads) and of the database backend;
    and the result. CPU time, unlike wall time, hardly depends on what else the machine runs."""
    wall, cpu, server = time.perf_counter(), time.process_time(), _backend_cpu()
    result = fn()
    server_after = _backend_cpu()
    used = {
        "client_cpu_seconds": time.process_time() - cpu,
        "server_cpu_seconds": None
        if server is None or server_after is None
        else server_after - server,
    }
    return time.perf_counter() - wall, used, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to seal and verify")
    parser.add_argument("--ops", type=int, default=2000, help="appends per writer and run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating append rounds")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    url = os.environ.get("YIWANG_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench_audit needs PostgreSQL; YIWANG_DATABASE_URL is {url!r}", file=sys.stderr)
        return 2
    import tempfile

    scratch, admin = scratch_database(url, "bench_audit")
    data_dir = tempfile.mkdtemp(prefix="yiwang-bench-audit-")
    print(f"scratch database: {scratch.rpartition('@')[2]}", flush=True)
    try:
        setup_django(scratch, data_dir)
        results = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin, scratch)
    rows = [
        (r["metric"], r["measured"], r["floor"], r["target"], r.get("met", ""))
        for r in results["metrics"]
    ]
    print()
    print(
        markdown_table(["metric", "measured", "floor / baseline (same run)", "target", "met"], rows)
    )
    path = write_result("audit", results)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:

    from yiwang.audit.models import AuditEvent
    from yiwang.audit.services import seal
    from yiwang.audit.verify import verify

    metrics: list[dict[str, Any]] = []
    # Other work on the machine skews every figure; the load average says how much there was.
    raw: dict[str, Any] = {
        "events": args.events,
        "ops_per_writer": args.ops,
        "load_average_at_start": os.getloadavg(),
    }
    for writers in (1, 8):
        print(f"appending with {writers} writer(s)…", flush=True)
        rows, raw[f"writers_{writers}"] = append_metrics(args, writers)
        metrics += rows

    seal()  # the appended events, so that the timed seal covers exactly the generated ones
    print(f"generating {args.events:,} events…", flush=True)
    generated = generate_events(args.events)
    raw["generate_seconds"] = generated
    print("sealing…", flush=True)
    floor = seal_floor(args.events)
    took, cpu, checkpoint = timed_cpu(seal)
    assert checkpoint is not None
    raw["seal_seconds"] = took
    raw["seal_cpu"] = cpu
    raw["seal_floor_seconds"] = floor
    metrics.append(
        {
            "metric": f"seal {args.events:,} events",
            "measured": f"{took:.2f} s ({_cpu_note(cpu)})",
            "floor": f"read + COPY same rows: {floor:.2f} s",
            "target": f"<= {10 * args.events / 1_000_000:.1f} s",
            "met": "yes" if took <= 10 * args.events / 1_000_000 else "no",
        }
    )
    print("verifying…", flush=True)
    total = AuditEvent.objects.count()
    # A few alternating rounds, medians reported: one run is at the mercy of the machine.
    floors: list[float] = []
    runs: list[tuple[float, dict[str, float | None]]] = []
    for _ in range(VERIFY_ROUNDS):
        floors.append(verify_floor())
        took, cpu, report = timed_cpu(verify)
        assert report.ok, report.summary()
        runs.append((took, cpu))
    runs.sort(key=lambda run: run[0])
    took, cpu = runs[len(runs) // 2]
    vfloor = statistics.median(floors)
    raw["verify_seconds"] = took
    raw["verify_runs_seconds"] = [run[0] for run in runs]
    raw["verify_cpu"] = cpu
    raw["verify_floor_seconds"] = vfloor
    raw["verify_floor_runs_seconds"] = floors
    raw["verify_events"] = total
    metrics.append(
        {
            "metric": f"verify {total:,} events (reading included), median of {len(runs)}",
            "measured": f"{took:.2f} s, runs {runs[0][0]:.2f}-{runs[-1][0]:.2f} s "
            f"({_cpu_note(cpu)})",
            "floor": f"the same reads, nothing checked: {vfloor:.2f} s",
            "target": f"<= {5 * total / 1_000_000:.1f} s",
            "met": "yes" if took <= 5 * total / 1_000_000 else "no",
        }
    )
    raw["load_average_at_end"] = os.getloadavg()
    return {"metrics": metrics, "raw": raw}


if __name__ == "__main__":
    sys.exit(main())
