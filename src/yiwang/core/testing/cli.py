"""Running the ``yiwang`` command in a process of its own, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_yiwang(
    tmp_path: Path, *args: str, timeout: int = 180, **variables: str
) -> subprocess.CompletedProcess[str]:
    """``yiwang ARGS`` with a data directory under ``tmp_path``, SQLite unless ``variables``
    say otherwise, and none of the test process's Django settings."""
    environ = {**os.environ, "YIWANG_DATA_DIR": str(tmp_path / "data"), "YIWANG_DATABASE_URL": ""}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    # Set in the test process by the browser tests' fixture; a deployment never has it.
    environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environ.update(variables)
    return subprocess.run(  # noqa: S603  # our own command, arguments from the tests
        [sys.executable, "-m", "yiwang.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
