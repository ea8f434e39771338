"""How long a cold ``yiwang demo`` takes from start to the first page served.

Each run starts ``yiwang demo`` on a fresh, empty data directory (SQLite), so the time includes
creating the database, applying every migration, compiling the message catalogues, loading the
demo world and starting gunicorn with a worker and the scheduler. The run ends when ``GET /``
answers 200; the demo is then stopped with SIGINT (what Ctrl-C sends) and the time it takes to
shut everything down is recorded too.

    python -m bench.bench_demo_start [--runs N] [--timeout SECONDS]

Prints a markdown table and writes bench/results/demo_start.json.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import free_port, http_status, markdown_table, write_result

POLL_SECONDS = 0.1
# Once /healthz answers, how long GET / may keep failing before the run counts as failed.
PAGE_GRACE_SECONDS = 60.0


def _children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc), to clean up after a failed stop."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def one_run(timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="yiwang-bench-demo-") as tmp:
        port = free_port()
        env = {
            **os.environ,
            "YIWANG_DATA_DIR": str(Path(tmp) / "data"),
            "YIWANG_DATABASE_URL": "",
            "YIWANG_PRODUCTION": "0",
        }
        log_path = Path(tmp) / "demo.log"
        base = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            started = time.monotonic()
            process = subprocess.Popen(  # our own command
                [sys.executable, "-m", "yiwang.cli", "demo", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            healthy_at = page_at = None
            status = None
            while time.monotonic() - started < timeout and process.poll() is None:
                if healthy_at is None and http_status(f"{base}/healthz", 2) == 200:
                    healthy_at = time.monotonic() - started
                if healthy_at is not None:
                    status = http_status(f"{base}/", 10)
                    if status == 200:
                        page_at = time.monotonic() - started
                        break
                    if time.monotonic() - started - healthy_at > PAGE_GRACE_SECONDS:
                        break  # the server runs but the page fails: no point waiting longer
                time.sleep(POLL_SECONDS)
            children = _children_of(process.pid)
            stop_started = time.monotonic()
            clean = False
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=60)
                    clean = process.returncode == 0
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            stopped_in = time.monotonic() - stop_started
            leftovers = [pid for pid in children if _alive(pid)]
            for pid in leftovers:
                os.kill(pid, signal.SIGKILL)
        result = {
            "port": port,
            "seconds_to_healthz": round(healthy_at, 2) if healthy_at else None,
            "seconds_to_first_page": round(page_at, 2) if page_at else None,
            "last_status_of_root": status,
            "seconds_to_stop": round(stopped_in, 2),
            "clean_exit": clean and not leftovers,
            "processes_left_running": len(leftovers),
        }
        if page_at is None:
            result["log_tail"] = log_path.read_text(errors="replace")[-3000:]
        return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "1")))
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)

    runs = [one_run(args.timeout) for _ in range(args.runs)]
    rows = [
        (
            i + 1,
            r["seconds_to_healthz"],
            r["seconds_to_first_page"],
            r["seconds_to_stop"],
            "yes" if r["clean_exit"] else "no",
        )
        for i, r in enumerate(runs)
    ]
    print(
        markdown_table(
            [
                "run",
                "start → /healthz 200 (s)",
                "start → GET / 200 (s)",
                "Ctrl-C → all stopped (s)",
                "clean exit",
            ],
            rows,
        )
    )
    path = write_result("demo_start", {"benchmark": "demo_start", "runs": runs})
    print(
        f"\nwritten to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
    )
    failed = [r for r in runs if r["seconds_to_first_page"] is None or not r["clean_exit"]]
    for r in failed:
        if "log_tail" in r:
            print(
                f"\nGET / never answered 200 (last status {r['last_status_of_root']}); log tail:"
                f"\n{r['log_tail']}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
