"""Once-only prefill of a whole bundle, in process, on PostgreSQL with a million people.

    python -m bench.bench_prefill [--people 1000000] [--firms 20000] [--citizens 300]
                                  [--seconds 180] [--keep | --reuse]

Runs against the PostgreSQL server of ``YIWANG_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/yiwang``), in a scratch database ``<name>_bench_prefill``
created afresh, migrated and loaded with the demo world, its catalogue and its data exchange
(registries, agreements, the hand-written people's records). Then ``--people`` generated people
(1,000,000 by default) and ``--firms`` generated firms are added the way ``yiwang load-demo
--people N --firms M`` adds them: identity rows and registry records written with ``COPY``, the
people in the population registry, the firms in the legal-entity registry, each firm with one
of the generated people as its legal representative. ``--keep`` leaves the database for a later
``--reuse`` run, which skips the load when the last generated person and firm are already there.

What is timed is :func:`yiwang.applications.services.prefill_application` for a new draft of
"Open a restaurant" (``open-a-restaurant``), exactly as the portal calls it right after "Start":
every governed exchange read the bundle's services name (authorised, read, audited, put in the
person's access log, each committed), then the snapshot written with its audit event and
committed. Each of ``--citizens`` different generated people (default 300) applies once, for the
firm they represent, so every read of the bundle is made: the applicant's population record and
the firm's legal-entity record for two departments. Starting the draft is not timed. The first
``--warmup`` citizens (default 20) warm the caches and are not counted; the timed loop also stops
after ``--seconds``.

Baseline, in the same loop: a bare ``SELECT`` of the same person's population record (one row by
registry and subject, as the exchange looks it up), alternately before and after the prefill so
that neither always finds the page the other fetched. Beside them: the commit of a one-row
insert (the log flush every committed write waits for), the Python CPU time per prefill and the
PostgreSQL backend's CPU per prefill (over the whole loop), the governed reads per prefill (from
the access log) and the fields and materials found. Every snapshot must have found every value
the bundle prefills; the benchmark fails if one did not.

Target: p95 <= 50 ms per prefill of the whole bundle, in process. Prints a markdown table and
writes bench/results/prefill.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the bench package importable
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    drop_database,
    markdown_table,
    proc_cpu_seconds,
    scratch_database,
    write_result,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang"
SEED = 2026
BUNDLE = "open-a-restaurant"
POPULATION = "population"
TARGET_P95_MS = 50.0
USERNAME_PREFIX = "bench.prefill."


# --- Database -------------------------------------------------------------------------------
# --- The world ------------------------------------------------------------------------------
def _progress(label: str, total: int) -> Any:
    done = [0]
    step = max(total // 10, 1)

    def advance(n: int) -> None:
        before = done[0]
        done[0] += n
        if done[0] // step != before // step or done[0] >= total:
            print(f"  {label}: {done[0]:>9,} of {total:,}", flush=True)

    return advance


def _generated_loaded(people: int, firms: int) -> tuple[bool, bool]:
    """Whether the last of the generated people (and firms) is already there, with its registry
    record: each batch is committed in order, so the last one present means all are."""
    from yiwang.demo import generator
    from yiwang.exchange.models import Registry, RegistryRecord
    from yiwang.identity.models import Firm, Person

    def in_registry(code: str, key: str) -> bool:
        registry = Registry.objects.filter(code=code).first()
        return (
            registry is not None
            and RegistryRecord.objects.filter(registry=registry, record_key=key).exists()
        )

    last_person = generator.person_national_id(SEED, people - 1)
    people_done = Person.objects.filter(national_id=last_person).exists() and in_registry(
        POPULATION, last_person
    )
    *_, last_firm = generator.generate_firms(SEED, firms, people=people)
    firms_done = Firm.objects.filter(uscc=last_firm.uscc).exists() and in_registry(
        "legal_entity", last_firm.uscc
    )
    return people_done, firms_done


def setup_world(people: int, firms: int) -> dict[str, Any]:
    """Migrate, load the demo world, catalogue and exchange, and the generated people and firms
    (skipped when a kept database already holds them). Returns what the loading took."""
    import django

    django.setup()
    from django.core.management import call_command

    from yiwang.demo import loader, services

    took: dict[str, Any] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    actor = services.demo_actor()
    world = loader.read_world()
    services.load_world(actor=actor, world=world)
    services.load_catalogue(actor=actor)
    services.load_exchange(actor=actor, world=world)
    took["world_seconds"] = round(time.perf_counter() - started, 1)

    people_done, firms_done = _generated_loaded(people, firms)
    started = time.perf_counter()
    if people_done:
        print(f"  {people:,} generated people already loaded", flush=True)
        took["people_written"] = 0
    else:
        report = services.load_generated_people(
            actor=actor, seed=SEED, count=people, progress=_progress("people", people)
        )
        took["people_written"] = report.created
        took["population_records_written"] = report.records
    took["people_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    if firms_done:
        print(f"  {firms:,} generated firms already loaded", flush=True)
        took["firms_written"] = 0
    else:
        report = services.load_generated_firms(
            actor=actor, seed=SEED, count=firms, people=people, progress=_progress("firms", firms)
        )
        took["firms_written"] = report.created
        took["legal_entity_records_written"] = report.records
    took["firms_seconds"] = round(time.perf_counter() - started, 1)
    return took


def citizens(people: int, firms: int, wanted: int) -> list[tuple[Any, Any]]:
    """(account, firm) for ``wanted`` different generated people who represent a generated firm.

    The firms are spread over the generated ones; each person gets a citizen account (no
    password) the first time, as registering would give them, and keeps it in a kept database.
    """
    from yiwang.demo import generator, services
    from yiwang.identity import services as identity
    from yiwang.identity.constants import RepresentativeRole
    from yiwang.identity.models import Account, FirmRepresentative

    generated = list(generator.generate_firms(SEED, firms, people=people))
    # Every k-th firm, so the people are spread over the whole population, not its first rows.
    stride = max(len(generated) // max(wanted * 2, 1), 1)
    usccs = [f.uscc for f in generated[::stride]]
    found: dict[str, Any] = {}
    for start in range(0, len(usccs), 500):
        links = (
            FirmRepresentative.objects.filter(
                firm__uscc__in=usccs[start : start + 500],
                role=RepresentativeRole.LEGAL_REPRESENTATIVE,
                valid_until__isnull=True,
            )
            .select_related("firm", "person")
            .order_by("firm__uscc")
        )
        for row in links:
            found.setdefault(row.firm.uscc, row)
    chosen: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    actor = services.demo_actor()
    for uscc in usccs:
        link = found.get(uscc)
        if link is None or link.person_id in seen or not link.person.national_id:
            continue
        seen.add(link.person_id)
        person = link.person
        if person.account_id is None:
            identity.register_citizen(
                actor=actor,
                username=f"{USERNAME_PREFIX}{person.national_id}",
                password=None,
                name=person.name,
                national_id=person.national_id,
            )
        chosen.append((person.national_id, link.firm))
        if len(chosen) >= wanted:
            break
    if len(chosen) < wanted:
        raise RuntimeError(
            f"only {len(chosen)} generated people represent a generated firm; "
            f"load more firms (--firms) or ask for fewer citizens (--citizens)"
        )
    accounts = {
        a.person.national_id: a
        for a in Account.objects.select_related("person").filter(
            person__national_id__in=[n for n, _ in chosen]
        )
    }
    return [(accounts[national_id], firm) for national_id, firm in chosen]


# --- Measuring ------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(seconds: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2) if seconds else None,
        "mean_ms": round(statistics.fmean(seconds) * 1000, 2) if seconds else None,
    }


def measure(chosen: list[tuple[Any, Any]], warmup: int, seconds: float) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from yiwang.applications import services as applications
    from yiwang.applications.models import PrefillSnapshot
    from yiwang.applications.prefill import Status
    from yiwang.exchange.models import AccessLogEntry, Registry, RegistryRecord
    from yiwang.identity.models import Account

    registry_id = Registry.objects.get(code=POPULATION).pk
    bare_sql = (
        f"SELECT values FROM {RegistryRecord._meta.db_table} "
        "WHERE registry_id = %s AND subject_key = %s AND status = 'active'"
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigserial PRIMARY KEY)")
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])

    def bare(national_id: str) -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(bare_sql, [registry_id, national_id])
            rows = cursor.fetchall()
        took = time.perf_counter() - started
        if not rows:
            raise RuntimeError(f"the population registry holds no record of {national_id}")
        return took

    def commit() -> float:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit_probe DEFAULT VALUES")
        return time.perf_counter() - started

    times: dict[str, list[float]] = {"prefill": [], "bare": [], "commit": []}
    python_cpu: list[float] = []
    backend_cpu = 0.0
    timed: list[int] = []
    loads = [os.getloadavg()[0]]
    deadline: float | None = None
    queries: list[str] = []
    statements: list[str] = []
    audit_events = 0
    for i, (account, firm) in enumerate(chosen):
        if i == warmup:
            deadline = time.monotonic() + seconds
            loads.append(os.getloadavg()[0])
        elif deadline is not None and time.monotonic() > deadline:
            break
        # As a request has it: the account read afresh, the draft started (not timed).
        actor = Account.objects.get(pk=account.pk)
        national_id = account.person.national_id
        application = applications.start_application(actor=actor, bundle_code=BUNDLE, firm=firm)
        baseline_first = i % 2 == 0
        took_bare = bare(national_id) if baseline_first else 0.0
        if deadline is None and i == warmup - 1:
            # The last warm-up prefill (not timed): which SQL statements one prefill sends.
            # The audit log's insert bypasses Django's cursor: its events are counted instead.
            with connection.cursor() as cursor:
                cursor.execute("SELECT coalesce(max(id), 0) FROM audit_auditevent")
                last_event = int(cursor.fetchone()[0])
            with CaptureQueriesContext(connection) as captured:
                applications.prefill_application(actor=actor, application=application)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM audit_auditevent WHERE id > %s", [last_event])
                audit_events = int(cursor.fetchone()[0])
            statements = [" ".join(q["sql"].split())[:200] for q in captured.captured_queries]
            queries = [q.split(None, 1)[0].upper() for q in statements]
        db0 = proc_cpu_seconds(backend)
        cpu0 = time.process_time()
        started = time.perf_counter()
        snapshot = applications.prefill_application(actor=actor, application=application)
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu0
        db = proc_cpu_seconds(backend) - db0
        if snapshot is None:
            raise RuntimeError(f"{BUNDLE} names no registry: nothing was prefilled")
        if not baseline_first:
            took_bare = bare(national_id)
        took_commit = commit()
        if deadline is None:
            continue  # warming up
        times["prefill"].append(took)
        times["bare"].append(took_bare)
        times["commit"].append(took_commit)
        python_cpu.append(cpu)
        backend_cpu += db
        timed.append(application.pk)
    loads.append(os.getloadavg()[0])
    if not timed:
        raise RuntimeError("no prefill was timed: raise --citizens or --seconds")

    # What the prefills found, and how many governed reads each made (the access log has one
    # entry per read).
    fields: Counter[str] = Counter()
    materials: Counter[str] = Counter()
    per_snapshot_found: list[int] = []
    per_snapshot_fields: list[int] = []
    per_snapshot_materials: list[int] = []
    missing: list[str] = []
    snapshots = PrefillSnapshot.objects.filter(application_id__in=timed)
    for snapshot in snapshots:
        statuses = [e["status"] for e in snapshot.fields.values()]
        found = sum(1 for s in statuses if s == Status.FOUND)
        fields.update(statuses)
        materials.update(e["status"] for e in snapshot.materials.values())
        per_snapshot_found.append(found)
        per_snapshot_fields.append(len(statuses))
        per_snapshot_materials.append(
            sum(1 for e in snapshot.materials.values() if e["status"] == Status.FOUND)
        )
        if not statuses or found < len(statuses):
            missing.append(
                f"application {snapshot.application_id}: "
                + ", ".join(
                    f"{k}={v['status']} ({v.get('reason')})" for k, v in snapshot.fields.items()
                )
            )
    if len(per_snapshot_found) != len(timed) or missing:
        raise RuntimeError(
            f"{len(missing)} of {len(timed)} prefills did not find every value "
            f"(snapshots: {len(per_snapshot_found)}):\n  " + "\n  ".join(missing[:10])
        )
    refs = [f"draft-{pk}" for pk in timed]
    reads: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for entry in AccessLogEntry.objects.filter(case_ref__in=refs).values("case_ref", "outcome"):
        reads[entry["case_ref"]] += 1
        outcomes[entry["outcome"]] += 1
    reads_per = [reads.get(ref, 0) for ref in refs]
    return {
        "timed_prefills": len(timed),
        "warmup": warmup,
        "prefill": {
            **summary(times["prefill"]),
            "python_cpu_p50_ms": round(percentile(python_cpu, 0.5) * 1000, 2),
            "python_cpu_mean_ms": round(statistics.fmean(python_cpu) * 1000, 2),
            # /proc counts in clock ticks (10 ms): only the sum over the loop means anything.
            "database_cpu_mean_ms": round(backend_cpu * 1000 / len(timed), 2),
        },
        # Statements of one prefill (the last warm-up one) through Django's cursor, by their
        # first word; the audit events' inserts are not among them.
        "statements_per_prefill": {"total": len(queries), **Counter(queries)},
        "audit_events_per_prefill": audit_events,
        "statements_of_one_prefill": statements,
        "bare_select": summary(times["bare"]),
        "commit_floor": summary(times["commit"]),
        "governed_reads_per_prefill": {
            "min": min(reads_per),
            "max": max(reads_per),
            "mean": round(statistics.fmean(reads_per), 2),
            "outcomes": dict(outcomes),
        },
        "fields_per_prefill": {
            "found_min": min(per_snapshot_found),
            "asked_max": max(per_snapshot_fields),
            "statuses": dict(fields),
        },
        "materials_per_prefill": {
            "found_max": max(per_snapshot_materials),
            "statuses": dict(materials),
        },
        "load_average_1m": {"start": loads[0], "timed_start": loads[1], "end": loads[-1]},
    }


# --- Main -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="generated people")
    parser.add_argument("--firms", type=int, default=20_000, help="generated firms")
    parser.add_argument("--citizens", type=int, default=300, help="prefills timed (at most)")
    parser.add_argument("--warmup", type=int, default=20, help="prefills before timing")
    parser.add_argument(
        "--seconds", type=float, default=180.0, help="the most time the timed loop may take"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database a --keep run left: the generated people are loaded only once",
    )
    args = parser.parse_args(argv)
    if args.people < 1 or args.firms < 1 or args.citizens < 1 or args.warmup < 0:
        parser.error("--people, --firms and --citizens must be positive, --warmup not negative")

    url = os.environ.get("YIWANG_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench_prefill needs PostgreSQL; YIWANG_DATABASE_URL is {url!r}", file=sys.stderr)
        return 2
    scratch, admin = scratch_database(url, "bench_prefill", reuse=args.reuse)
    data_dir = Path(tempfile.mkdtemp(prefix="yiwang-bench-prefill-"))
    os.environ.update(
        {
            "YIWANG_DATABASE_URL": scratch,
            "YIWANG_DATA_DIR": str(data_dir),
            "YIWANG_PRODUCTION": "0",
            "YIWANG_DEBUG": "0",
            "YIWANG_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "yiwang.conf.settings",
        }
    )
    print(f"scratch database: {scratch.rpartition('@')[2]}; data: {data_dir}", flush=True)
    began = time.monotonic()
    try:
        print(
            f"migrating, loading the demo world and {args.people:,} people, {args.firms:,} firms…",
            flush=True,
        )
        loading = setup_world(args.people, args.firms)
        print(f"  {loading}", flush=True)
        chosen = citizens(args.people, args.firms, args.warmup + args.citizens)
        print(
            f"prefilling {BUNDLE} for {args.warmup} + up to {args.citizens} citizens "
            f"(at most {args.seconds:.0f} s)…",
            flush=True,
        )
        measured = measure(chosen, args.warmup, args.seconds)
    finally:
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            drop_database(admin, scratch)
    total = round(time.monotonic() - began, 1)

    p, b, c = measured["prefill"], measured["bare_select"], measured["commit_floor"]
    reads, found = measured["governed_reads_per_prefill"], measured["fields_per_prefill"]
    mats, loads = measured["materials_per_prefill"], measured["load_average_1m"]
    stmts = measured["statements_per_prefill"]
    met = p["p95_ms"] <= TARGET_P95_MS
    rows = [
        (f"prefill of the whole {BUNDLE} bundle, {args.people:,} people: p50 / p95 / max (ms)",
         f"{p['p50_ms']} / {p['p95_ms']} / {p['max_ms']}",
         f"{b['p50_ms']} / {b['p95_ms']} / {b['max_ms']} (bare SELECT of the population record)",
         f"p95 <= {TARGET_P95_MS:.0f} ms", "yes" if met else "no"),
        ("governed reads per prefill", f"{reads['mean']:g} ({reads['min']}-{reads['max']})",
         "1 (bare SELECT)", "-", ""),
        ("SQL statements per prefill (by kind), and audit events",
         f"{stmts.get('total', 0)} ("
         + ", ".join(f"{n} {k}" for k, n in sorted(stmts.items()) if k != "total")
         + f") + {measured['audit_events_per_prefill']} audit event inserts",
         "1", "-", ""),
        ("fields found per prefill / asked; materials found",
         f"{found['found_min']} / {found['asked_max']}; {mats['found_max']}", "-", "-", ""),
        ("CPU per prefill: Python p50 (mean) + PostgreSQL mean (ms)",
         f"{p['python_cpu_p50_ms']} ({p['python_cpu_mean_ms']}) + {p['database_cpu_mean_ms']}",
         "-", "-", ""),
        ("commit of a one-row insert p50 / p95 (ms): the log flush each write waits for",
         f"{c['p50_ms']} / {c['p95_ms']}", "-", "-", ""),
        ("prefills timed; 1-minute load average (start, timed start, end)",
         f"{measured['timed_prefills']}; {loads['start']:.1f}, {loads['timed_start']:.1f}, "
         f"{loads['end']:.1f} on {os.cpu_count()} CPUs", "-", "-", ""),
    ]  # fmt: skip
    print()
    print(markdown_table(["metric", "measured", "baseline in same run", "target", "met"], rows))
    path = write_result(
        "prefill",
        {
            "benchmark": "prefill",
            "bundle": BUNDLE,
            "seed": SEED,
            "people": args.people,
            "firms": args.firms,
            "loading": loading,
            **measured,
            "targets": {"prefill_p95_ms": TARGET_P95_MS},
            "targets_met": met,
            "total_seconds": total,
        },
    )
    print(f"\nwritten to {path.relative_to(ROOT)} (took {total:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
