"""The audited raw write in SQL alone, driven by pgbench: what the database itself charges for an
audit event, with no Python client in the way.

``bench_audit`` compares one raw INSERT with and without its audit event, written through the
platform's Python client. This runs the same statements, in the same messages, from PostgreSQL's
own load generator (written in C), so the report can show how much of the gap is the server's
and how much the client's:

- the write alone: ``BEGIN``; the INSERT (``RETURNING id``); ``COMMIT`` — three round trips;
- with its event: ``BEGIN``; the INSERT; then the event's INSERT and ``COMMIT`` in one pipelined
  message — still three round trips, as ``yiwang.core.db.postgresql.deferred`` sends them.

The event goes to ``bench_plain_event`` (the audit table's shape and indexes, not the log
itself, so the log the bench seals and verifies stays valid), with a row of the size
``record_event`` writes. pgbench comes with the PostgreSQL server; without it the floor is
left out of the report.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench._common import checkpoint

# The business row, as _audit_append._business_insert writes it.
_WRITE = (
    "INSERT INTO bench_business (created_at, reference, status, payload) "
    "VALUES (now(), 'YW2026' || lpad(:i::text, 8, '0'), 'reviewed', repeat('x', 300)) "
    "RETURNING id;\n"
)
# The event, the size of what record_event writes for it (pgbench reads ":name" as a variable,
# so the payload is written without colons, keeping its length).
_PAYLOAD = (
    '{"agreement"="AG-2026-0042","case"="YW202600012345",'
    '"fields"=["name","birth_date","address","household"],"result"="served"}'
)
_EVENT = (
    "INSERT INTO bench_plain_event (created_at, actor_type, actor_id, actor_label, "
    "actor_department, actor_role, action, object_type, object_id, subjects_json, purpose, "
    "request_id, data_json, content_hash) VALUES (now(), 'staff', '1001', 'Clerk 1', 'psb', "
    "'reviewer', 'applications.task_decided', 'bench.business', :i::text, "
    "'[\"person:110105194912311234\"]', '', '', "
    f"'{_PAYLOAD}', '\\x{'00' * 32}'::bytea) RETURNING id;\n"
)
_SET = "\\set i random(1, 99999999)\n"
SCRIPTS = {
    "alone": _SET + "BEGIN;\n" + _WRITE + "COMMIT;\n",
    "audited": _SET
    + "BEGIN;\n"
    + _WRITE
    + "\\startpipeline\n"
    + _EVENT
    + "COMMIT;\n"
    + "\\endpipeline\n",
}
_TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)
_FAILED = re.compile(r"^number of failed transactions: ([0-9]+)", re.MULTILINE)


def pgbench_path() -> str | None:
    """pgbench on the PATH, or in the newest PostgreSQL server installed the Debian way."""
    found = shutil.which("pgbench")
    if found:
        return found
    installed = glob.glob("/usr/lib/postgresql/*/bin/pgbench")
    installed.sort(
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0
    )
    return installed[-1] if installed else None


# Django's connection settings, as the environment variables libpq reads.
_LIBPQ_ENV = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}


def transactions_per_second(
    program: str, settings: dict[str, Any], script: Path, clients: int, seconds: int
) -> float:
    checkpoint(settings)
    env = dict(os.environ)
    env.update({var: str(settings[key]) for key, var in _LIBPQ_ENV.items() if settings.get(key)})
    command = [program, "-n", "-M", "prepared", "-c", str(clients), "-j", str(clients)]
    command += ["-T", str(seconds), "-f", str(script), str(settings["NAME"])]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False
    )
    tps, failed = _TPS.search(done.stdout), _FAILED.search(done.stdout)
    if done.returncode != 0 or tps is None or (failed is not None and int(failed.group(1))):
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return float(tps.group(1))


def audited_write_floor(
    settings: dict[str, Any], clients: int, *, rounds: int = 3, seconds: int = 5
) -> dict[str, Any] | None:
    """Transactions/s of the write alone and with its event, in alternating rounds, and the
    median ratio of the two; None when pgbench is not installed."""
    program = pgbench_path()
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="yiwang-pgbench-") as folder:
        scripts = {}
        for kind, text in SCRIPTS.items():
            scripts[kind] = Path(folder) / f"{kind}.sql"
            scripts[kind].write_text(text)
        runs: dict[str, list[float]] = {kind: [] for kind in SCRIPTS}
        for _ in range(rounds):
            for kind, script in scripts.items():
                runs[kind].append(
                    transactions_per_second(program, settings, script, clients, seconds)
                )
    return {
        "program": program,
        "alone_per_s": statistics.median(runs["alone"]),
        "audited_per_s": statistics.median(runs["audited"]),
        "ratio": statistics.median(
            a / b for a, b in zip(runs["alone"], runs["audited"], strict=True)
        ),
        "rounds": runs,
    }
