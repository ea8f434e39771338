"""Serve the WSGI application with gunicorn, configured from yiwang's settings.

Static files are served by WhiteNoise from the app directories (``WHITENOISE_USE_FINDERS``), so
no ``collectstatic`` step is needed before starting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


class YiwangServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in OPTIONAL and key not in self.cfg.settings:
                continue  # an older gunicorn without this setting
            self.cfg.set(key, value)

    def load(self) -> Any:
        from yiwang.wsgi import application

        return application


# Settings that only newer gunicorn releases know.
OPTIONAL = frozenset({"control_socket_disable"})


def options(*, host: str, port: int, workers: int, threads: int = 1) -> dict[str, Any]:
    if workers < 1 or threads < 1:
        raise ValueError("workers and threads must be at least 1")
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Views stay synchronous (WSGI). With threads, a worker serves another request while one
        # waits for the database, and keeps connections alive between requests; each thread
        # holds its own database connection.
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        # One line per request on stdout, one per problem on stderr: what a process manager or
        # container runtime collects.
        "accesslog": "-",
        "errorlog": "-",
        # The client's address as yiwang.core.client_address finds it (behind a load balancer,
        # gunicorn's own %(h)s is the balancer's address).
        "access_log_format": (
            '%({yiwang.client_ip}e)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
        ),
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "yiwang",
        # Each worker imports the application itself, so no database connection is ever shared
        # across a fork.
        "preload_app": False,
        # The control socket lives at one path per user, so a second server on the machine
        # (another site, a test) would take it over; yiwang does not use it.
        "control_socket_disable": True,
    }


def make_static_root() -> None:
    """WhiteNoise also serves STATIC_ROOT and warns wherever it is missing (in every worker, on
    every new request handler); with finders on it may stay empty, but it must exist."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def serve(*, host: str, port: int, workers: int, threads: int = 1) -> None:
    make_static_root()
    YiwangServer(options(host=host, port=port, workers=workers, threads=threads)).run()
