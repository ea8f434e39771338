"""Run every benchmark in ``bench/`` in turn (``make bench``).

Each ``bench_*.py`` runs in its own process, so one that crashes or hangs cannot take the others
down. A failed benchmark is reported and the rest still run; the exit status is non-zero if any
failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed: list[str] = []
    for name in names:
        print(f"\n## {name}\n", flush=True)
        started = time.monotonic()
        result = subprocess.run(  # our own modules
            [sys.executable, "-m", f"bench.{name}"], cwd=BENCH_DIR.parent, check=False
        )
        took = time.monotonic() - started
        if result.returncode:
            failed.append(name)
            print(f"\n**{name} FAILED** (exit {result.returncode}, {took:.1f} s)", flush=True)
        else:
            print(f"\n_{name} finished in {took:.1f} s_", flush=True)
    print(f"\n{len(names) - len(failed)} of {len(names)} benchmarks succeeded.")
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
