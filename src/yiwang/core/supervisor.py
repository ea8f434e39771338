"""Run the web server and a worker side by side for ``yiwang demo`` and stop them together.

Each child gets a session of its own, so a Ctrl-C in the terminal reaches only this process,
which then asks every child to stop once (SIGTERM: gunicorn finishes the requests in hand, the
worker the task in hand) and kills what is still running after a grace period. A child that exits
by itself stops the others too: a demo with no web server or no worker is not left half-running.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType

GRACE_SECONDS = 15.0


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def yiwang_command(*args: str) -> list[str]:
    """The command line that runs ``yiwang ARGS`` with this same interpreter."""
    return [sys.executable, "-m", "yiwang.cli", *args]


def wait_for_http(url: str, *, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Poll ``url`` until it answers 200, the deadline passes or ``alive()`` turns false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # our own URL
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    return False


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self._stopping = False

    def start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(child.argv, start_new_session=True)  # noqa: S603

    def all_alive(self) -> bool:
        return all(c.process is not None and c.process.poll() is None for c in self.children)

    def running(self) -> bool:
        """Still going: every child alive and no stop asked for."""
        return not self._stopping and self.all_alive()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def run(self, on_ready: Callable[[], None] | None = None) -> int:
        """Wait until a signal or a child's exit, then stop everything; return an exit code."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            if on_ready is not None:
                on_ready()
            while not self._stopping and self.all_alive():
                time.sleep(0.2)
            exited = [c for c in self.children if c.process and c.process.poll() is not None]
            return 0 if self._stopping and not exited else 1
        finally:
            self.stop()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def stop(self, grace: float = GRACE_SECONDS) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
