"""Helpers shared by the benchmarks: free ports, polling, result files, markdown tables."""

from __future__ import annotations

import json
import platform
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str, timeout: float = 5.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def machine() -> dict[str, Any]:
    import os

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps({"machine": machine(), **payload}, indent=2, ensure_ascii=False) + "\n"
    )
    return path


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- Scratch databases and CPU time ---------------------------------------------------------
def scratch_database(url: str, suffix: str, *, reuse: bool = False) -> tuple[str, str]:
    """Create ``<name>_<suffix>`` afresh beside the database of ``url`` (or, with ``reuse``, keep
    it if a ``--keep`` run left it); return (its url, the server's admin url)."""
    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "yiwang"
    scratch = f"{name}_{suffix}"
    admin = base.replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{scratch}"')
    return f"{base}/{scratch}", admin


def drop_database(admin: str, url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def proc_cpu_seconds(*pids: int) -> float:
    """User + system CPU the processes have used so far (Linux /proc); a gone one counts 0."""
    import os

    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def checkpoint(settings: dict[str, Any]) -> None:
    """Have PostgreSQL write out every page earlier runs left dirty, so that each timed run
    starts from the same state. Otherwise the checkpoints the server starts on its own (every
    few minutes, or after so much WAL) land in one run and not in the next, and with each comes
    the copying of whole pages into the WAL on their next change, which a run then pays alone.

    Needs a superuser or the pg_checkpoint role; without either, runs start as they find the
    server (the figures are noisier, not wrong)."""
    import psycopg

    params = {"HOST": "host", "PORT": "port", "USER": "user", "PASSWORD": "password"}
    conninfo = {key: str(settings[name]) for name, key in params.items() if settings.get(name)}
    try:
        with psycopg.connect(dbname=settings["NAME"], autocommit=True, **conninfo) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass
