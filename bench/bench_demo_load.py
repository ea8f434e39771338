"""How fast ``load-demo`` writes generated people and firms, on SQLite and on PostgreSQL.

Each database gets a fresh, migrated copy with the hand-written demo world, then the generated
people and firms are loaded and timed; a second load of the same seed (which must write nothing)
is timed too. PostgreSQL is skipped when none answers at $BENCH_PG_URL.

    python -m bench.bench_demo_load [--people N] [--firms M]

Defaults: 200,000 people and 20,000 firms (BENCH_DEMO_PEOPLE / BENCH_DEMO_FIRMS); the loader
is built for millions (``--people 1000000``). Prints a markdown table and writes
bench/results/demo_load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import markdown_table, write_result

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/yiwang_bench_demo")
SEED = 2026


def _driver(people: int, firms: int) -> None:
    """Runs in a child process whose environment names the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yiwang.audit.services import record_event  # noqa: F401  # fail early if missing
    from yiwang.demo import loader, services

    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)
    actor = services.demo_actor()
    world = loader.read_world()
    services.load_world(actor=actor, world=world)
    # As load-demo does: with the exchange loaded, every generated person and firm is also
    # entered in its registry (population, legal entities).
    services.load_exchange(actor=actor, world=world)
    out: dict[str, Any] = {"database": connection.vendor, "people": people, "firms": firms}
    for label, load, kwargs in (
        ("people", services.load_generated_people, {"count": people}),
        ("firms", services.load_generated_firms, {"count": firms, "people": people}),
    ):
        started = time.perf_counter()
        first = load(actor=actor, seed=SEED, **kwargs)
        out[f"{label}_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        again = load(actor=actor, seed=SEED, **kwargs)
        out[f"{label}_again_seconds"] = round(time.perf_counter() - started, 2)
        out[f"{label}_created"] = first.created
        out[f"{label}_created_again"] = again.created
        out[f"{label}_records"] = first.records
    print(json.dumps(out))


def _pg_reachable() -> bool:
    import psycopg

    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _recreate_pg() -> None:
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    admin = PG_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(database_url: str, data_dir: Path, people: int, firms: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "YIWANG_DATA_DIR": str(data_dir),
        "YIWANG_DATABASE_URL": database_url,
        "YIWANG_PRODUCTION": "0",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_demo_load",
            "--driver",
            "--people",
            str(people),
            "--firms",
            str(firms),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"load failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--people", type=int, default=int(os.environ.get("BENCH_DEMO_PEOPLE", "200000"))
    )
    parser.add_argument(
        "--firms", type=int, default=int(os.environ.get("BENCH_DEMO_FIRMS", "20000"))
    )
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.driver:
        _driver(args.people, args.firms)
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="yiwang-bench-load-") as tmp:
        results.append(_run("", Path(tmp) / "sqlite", args.people, args.firms))
        if _pg_reachable():
            _recreate_pg()
            results.append(_run(PG_URL, Path(tmp) / "pg", args.people, args.firms))
        else:
            print(f"PostgreSQL not reachable at {PG_URL}: skipped\n")
    rows = []
    for r in results:
        rows.append(
            (
                r["database"],
                f"{r['people']:,}",
                r["people_seconds"],
                f"{r['people'] / max(r['people_seconds'], 1e-9):,.0f}",
                f"{r['firms']:,}",
                r["firms_seconds"],
                f"{r['firms'] / max(r['firms_seconds'], 1e-9):,.0f}",
                r["people_again_seconds"] + r["firms_again_seconds"],
            )
        )
    print(
        markdown_table(
            [
                "database",
                "people",
                "s",
                "people/s",
                "firms",
                "s",
                "firms/s",
                "reload, nothing to write (s)",
            ],
            rows,
        )
    )
    write_result("demo_load", {"benchmark": "demo_load", "seed": SEED, "runs": results})
    broken = [
        r
        for r in results
        if r["people_created_again"]
        or r["firms_created_again"]
        or r["people_created"] != r["people"]
        or r.get("people_records") != r["people"]
    ]
    if broken:
        print("\nA second load wrote rows, or the first did not write them all:", broken)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
