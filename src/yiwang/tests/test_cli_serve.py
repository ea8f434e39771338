"""``yiwang serve`` runs gunicorn for real: it answers health checks and serves static files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from yiwang.core.supervisor import wait_for_http


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_http(f"{base}/healthz", timeout=60, alive=lambda: process.poll() is None):
            process.kill()
            output = process.communicate(timeout=10)[0].decode(errors="replace")
            pytest.fail(f"gunicorn did not answer /healthz:\n{output}")
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_answers_health_checks_and_static_files(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = server
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        assert response.status == 200
        assert response.headers["X-Request-ID"]
        assert b'"ok"' in response.read()
    # WhiteNoise finds static files in the apps without collectstatic.
    with urllib.request.urlopen(f"{base}/static/admin/css/base.css", timeout=10) as response:
        assert response.status == 200
        assert "text/css" in response.headers["Content-Type"]
        assert b"body" in response.read()
    # SIGTERM is how process managers stop it: gunicorn shuts down cleanly.
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_threads_choose_gunicorns_threaded_workers() -> None:
    from yiwang.core.server import options

    assert options(host="127.0.0.1", port=1, workers=2, threads=4)["worker_class"] == "gthread"
    assert options(host="127.0.0.1", port=1, workers=2, threads=1)["worker_class"] == "sync"
    with pytest.raises(ValueError, match="at least 1"):
        options(host="127.0.0.1", port=1, workers=2, threads=0)
