"""The appending half of ``bench_audit``: writer processes, and the writes they compare.

Each kind is one operation repeated by every writer, one commit each: ``event`` (record_event
alone), ``bare`` (an INSERT of a row the size of an event into a plain table with the same
indexes), ``business`` and ``business+audit`` (one raw INSERT, then the same with its event),
``platform`` and ``platform+audit`` (lock a row, change it, save it through the ORM, as claiming
or deciding a task does; then the same with its event).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from typing import Any

from bench._common import checkpoint
from bench._pgbench import audited_write_floor

ACTIONS = (
    "exchange.record_read",
    "applications.case_submitted",
    "applications.task_decided",
    "identity.login",
    "applications.correction_requested",
)
KINDS = ("event", "bare", "business", "business+audit", "platform", "platform+audit")
# Rows each writer of the "platform" kinds updates in turn (its own, so writers never wait on
# each other's row locks).
PLATFORM_ROWS = 200
DEPARTMENTS = ("psb", "amr", "health", "hrss", "tax", "civil", "housing", "fire")


def create_write_tables(cursor: Any) -> None:
    """The tables the writers write besides the audit log."""
    # A business table and a floor table whose rows are the size of an audit event.
    cursor.execute(
        "CREATE TABLE bench_business (id bigserial PRIMARY KEY, created_at timestamptz "
        "NOT NULL, reference text NOT NULL, status text NOT NULL, payload text NOT NULL)"
    )
    cursor.execute(
        "CREATE TABLE bench_plain_event (LIKE audit_auditevent INCLUDING DEFAULTS "
        "INCLUDING INDEXES INCLUDING IDENTITY)"
    )
    # A record the way the platform's tables look: a reference, a status, an assignee, a
    # due date and timestamps, with indexes on what queues filter by.
    cursor.execute(
        "CREATE TABLE bench_record (id bigserial PRIMARY KEY, reference text NOT NULL, "
        "status text NOT NULL, assignee_id bigint, due_date date NOT NULL, "
        "updated_at timestamptz NOT NULL, note text NOT NULL)"
    )
    cursor.execute("CREATE INDEX bench_record_status_due ON bench_record (status, due_date)")
    cursor.execute("CREATE INDEX bench_record_assignee ON bench_record (assignee_id)")
    cursor.execute(
        "INSERT INTO bench_record (reference, status, due_date, updated_at, note) "
        "SELECT 'YW2026' || lpad(g::text, 8, '0'), 'open', current_date + g %% 20, now(), '' "
        "FROM generate_series(1, %s) g",
        [PLATFORM_ROWS * 8],
    )


def _record_model() -> Any:
    """An ORM model of bench_record (created by SQL above, so Django does not manage it)."""
    from django.apps import apps
    from django.db import models

    try:
        return apps.get_model("core", "BenchRecord")
    except LookupError:
        pass

    class BenchRecord(models.Model):
        reference = models.TextField()
        status = models.TextField()
        assignee_id = models.BigIntegerField(null=True)
        due_date = models.DateField()
        updated_at = models.DateTimeField()
        note = models.TextField()

        class Meta:
            app_label = "core"
            db_table = "bench_record"
            managed = False

        def __str__(self) -> str:
            return str(self.reference)

    return BenchRecord


def _platform_write(model: Any, n: int, i: int) -> Any:
    """Lock one of the writer's rows, change it, save it: what a claim or a decision does."""
    from yiwang.core import clock

    row = model.objects.select_for_update().get(pk=n * PLATFORM_ROWS + i % PLATFORM_ROWS + 1)
    row.status = "claimed" if row.status == "open" else "open"
    row.assignee_id = 1000 + n
    row.updated_at = clock.now()
    row.save(update_fields=["status", "assignee_id", "updated_at"])
    return row


# --- 1. appending ---------------------------------------------------------------------------
def _actor(n: int) -> Any:
    from yiwang.audit.actors import Actor

    return Actor(
        type="staff",
        id=str(1000 + n),
        label=f"Clerk {n}",
        department=DEPARTMENTS[n % len(DEPARTMENTS)],
        role="reviewer",
    )


def _payload(i: int) -> dict[str, Any]:
    return {
        "agreement": f"AG-2026-{i % 97:04d}",
        "fields": ["name", "birth_date", "address", "household"],
        "result": "served",
        "case": f"YW2026{i:08d}",
    }


def _bare_insert(cursor: Any, i: int, n: int) -> None:
    from yiwang.audit import domain
    from yiwang.core import clock

    cursor.execute(
        "INSERT INTO bench_plain_event (created_at, actor_type, actor_id, actor_label, "
        "actor_department, actor_role, action, object_type, object_id, subjects_json, purpose, "
        "request_id, data_json, content_hash) "
        "VALUES (%s, 'staff', %s, %s, %s, 'reviewer', %s, 'applications.case', %s, %s, "
        "'prefill', '', %s, %s)",
        [
            clock.now(),
            str(1000 + n),
            f"Clerk {n}",
            DEPARTMENTS[n % len(DEPARTMENTS)],
            ACTIONS[i % len(ACTIONS)],
            str(i),
            f'["person:11010519491231{i % 1000:03d}X"]',
            domain.canonical_json(_payload(i)),
            b"\x00" * 32,
        ],
    )


def _business_insert(cursor: Any, i: int) -> int:
    from yiwang.core import clock

    cursor.execute(
        "INSERT INTO bench_business (created_at, reference, status, payload) "
        "VALUES (%s, %s, 'reviewed', %s) RETURNING id",
        [clock.now(), f"YW2026{i:08d}", "x" * 300],
    )
    return int(cursor.fetchone()[0])


def _work(kind: str, n: int, ops: int) -> None:
    from django.db import connection, transaction

    from yiwang.audit.services import record_event

    model = _record_model()
    with connection.cursor() as cursor:
        for i in range(ops):
            if kind == "platform":
                with transaction.atomic():
                    _platform_write(model, n, i)
            elif kind == "platform+audit":
                with transaction.atomic():
                    row = _platform_write(model, n, i)
                    record_event(
                        actor=_actor(n),
                        action="applications.task_claimed",
                        object_type="applications.task",
                        object_id=row.pk,
                        subjects=[f"person:11010519491231{i % 1000:03d}X"],
                        data={"status": row.status, "assignee": row.assignee_id},
                    )
            elif kind == "event":
                record_event(
                    actor=_actor(n),
                    action=ACTIONS[i % len(ACTIONS)],
                    object_type="applications.case",
                    object_id=i,
                    subjects=[f"person:11010519491231{i % 1000:03d}X"],
                    purpose="prefill",
                    data=_payload(i),
                )
            elif kind == "bare":
                _bare_insert(cursor, i, n)
            elif kind == "business":
                with transaction.atomic():
                    _business_insert(cursor, i)
            elif kind == "business+audit":
                with transaction.atomic():
                    row_id = _business_insert(cursor, i)
                    record_event(
                        actor=_actor(n),
                        action="applications.task_decided",
                        object_type="bench.business",
                        object_id=row_id,
                        subjects=[f"person:11010519491231{i % 1000:03d}X"],
                        data=_payload(i),
                    )


def _writer(kind: str, n: int, ops: int, barrier: Any) -> None:
    from django.db import connection

    connection.ensure_connection()
    _work(kind, n, 20)  # warm up the connection and code paths
    barrier.wait()
    _work(kind, n, ops)
    connection.close()


def run_writers(kind: str, writers: int, ops: int) -> float:
    """Operations per second of ``writers`` processes doing ``ops`` operations each."""
    from django.db import connections

    checkpoint(connections["default"].settings_dict)
    connections.close_all()  # never share a connection across fork
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(writers + 1)
    procs = [ctx.Process(target=_writer, args=(kind, n, ops, barrier)) for n in range(writers)]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    if any(p.exitcode for p in procs):
        raise RuntimeError(f"a {kind} writer failed")
    return writers * ops / elapsed


def append_metrics(args: argparse.Namespace, writers: int) -> tuple[list[dict[str, Any]], Any]:
    """Every kind with ``writers`` writers in alternating rounds: the table rows and the raw
    figures behind them."""
    from django.db import connection

    ops = args.ops if writers == 1 else max(args.ops // 4, 100)
    # Rounds alternate between the kinds and the medians are kept, so that a burst of load
    # from elsewhere on the machine does not land on one side of a comparison only.
    rounds: dict[str, list[float]] = {k: [] for k in KINDS}
    for _ in range(args.rounds):
        for kind in KINDS:
            rounds[kind].append(run_writers(kind, writers, ops))
    event, bare, business, audited, platform, platform_audited = (
        statistics.median(rounds[k]) for k in KINDS
    )
    ratio = statistics.median(
        b / a for b, a in zip(rounds["business"], rounds["business+audit"], strict=True)
    )
    platform_ratio = statistics.median(
        b / a for b, a in zip(rounds["platform"], rounds["platform+audit"], strict=True)
    )
    print(f"the same raw writes from pgbench, {writers} writer(s)…", flush=True)
    sql_only = audited_write_floor(connection.settings_dict, writers)
    raw = {
        "sql_only": sql_only,
        "audit_events_per_s": event,
        "bare_insert_per_s": bare,
        "business_writes_per_s": business,
        "audited_business_writes_per_s": audited,
        "platform_writes_per_s": platform,
        "audited_platform_writes_per_s": platform_audited,
        "rounds": rounds,
    }
    metrics = [
        {
            "metric": f"audit append, {writers} writer(s), events/s",
            "measured": f"{event:,.0f}",
            "floor": f"bare INSERT same-size row: {bare:,.0f}/s",
            "target": "-",
        },
        {
            "metric": f"one raw INSERT + audit event vs alone, {writers} writer(s)",
            "measured": f"{ratio:.2f}x ({audited:,.0f}/s)",
            "floor": f"write alone: {business:,.0f}/s",
            "target": "<= 1.20x",
            "met": "yes" if ratio <= 1.2 else "no",
        },
        *_sql_only_rows(sql_only, writers),
        {
            "metric": f"platform write (lock, change, save) + audit event vs alone, "
            f"{writers} writer(s)",
            "measured": f"{platform_ratio:.2f}x ({platform_audited:,.0f}/s)",
            "floor": f"write alone: {platform:,.0f}/s",
            "target": "<= 1.20x",
            "met": "yes" if platform_ratio <= 1.2 else "no",
        },
    ]
    return metrics, raw


def _sql_only_rows(sql_only: dict[str, Any] | None, writers: int) -> list[dict[str, Any]]:
    """The raw write's floor: the same statements from pgbench, no Python client."""
    if sql_only is None:
        return []  # no pgbench on this machine
    return [
        {
            "metric": f"the same raw INSERT + audit event vs alone, SQL only (pgbench), "
            f"{writers} writer(s)",
            "measured": f"{sql_only['ratio']:.2f}x ({sql_only['audited_per_s']:,.0f}/s)",
            "floor": f"write alone: {sql_only['alone_per_s']:,.0f}/s",
            "target": "-",
        }
    ]
