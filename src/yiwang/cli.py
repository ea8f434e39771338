"""The ``yiwang`` command. Each group lives beside the app it drives; this module composes them.

Commands parse their options, set Django up and call one function of the app that does the work;
anything that takes longer than a moment shows a progress bar.
"""

from __future__ import annotations

import inspect
import io
import json
import signal
from dataclasses import asdict
from typing import Any

import typer
from rich.table import Table

from yiwang.core.cli_support import (
    apply_migrations,
    console,
    err_console,
    setup,
    setup_django,
)

__all__ = ["app", "main", "setup_django"]

app = typer.Typer(help="yiwang (一网) digital-government platform", no_args_is_help=True)

# --- Configuration and checks ---------------------------------------------------------------


@app.command()
def config(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show every setting, its current value and where the value came from."""
    setup()
    from yiwang.conf.report import current

    rows = current()
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title="yiwang settings", show_lines=False)
    table.add_column("Setting", no_wrap=True)
    table.add_column("Value", overflow="fold")
    table.add_column("Source", overflow="fold")
    for row in rows:
        table.add_row(row.name, row.value, row.source)
    console.print(table)


@app.command()
def check(
    deploy: bool | None = typer.Option(
        None,
        "--deploy/--no-deploy",
        help="Also run Django's deployment checks. Default: on when YIWANG_PRODUCTION is on.",
    ),
) -> None:
    """Run Django's and yiwang's system checks; exit non-zero on any error."""
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from yiwang.core.checks import unreachable_database

    if deploy is None:
        deploy = bool(settings.PRODUCTION)
    # Without a database, the checks that need one are left out and yiwang.E030 says why.
    unreachable = unreachable_database("default")
    failed = unreachable is not None
    if unreachable is not None:
        err_console.print(f"ERRORS:\n{unreachable}\n", markup=False, highlight=False)
    said = io.StringIO()
    try:
        call_command("check", deploy=deploy, databases=[] if failed else ["default"], stdout=said)
    except SystemCheckError as exc:
        err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        failed = True
    else:
        # Django's "no issues" would contradict the error above: the checks it ran were only
        # those that need no database.
        console.print(
            "The checks that need no database found no issues."
            if unreachable is not None
            else said.getvalue().rstrip(),
            markup=False,
            highlight=False,
        )
    if failed:
        raise typer.Exit(1)


# --- Database -------------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Apply database migrations (run this after every upgrade)."""
    setup()
    apply_migrations()


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command: yiwang manage showmigrations, ..."""
    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang manage", *ctx.args])


# --- Processes ------------------------------------------------------------------------------


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int | None = typer.Option(
        None, min=1, help="gunicorn worker processes. Default: YIWANG_WEB_WORKERS."
    ),
    threads: int | None = typer.Option(
        None, min=1, help="Threads per worker (1: sync workers). Default: YIWANG_WEB_THREADS."
    ),
) -> None:
    """Serve the web application with gunicorn (access log on stdout)."""
    setup()
    from django.conf import settings

    from yiwang.core import server

    server.serve(
        host=host,
        port=port,
        workers=settings.YIWANG_WEB_WORKERS if workers is None else workers,
        threads=settings.YIWANG_WEB_THREADS if threads is None else threads,
    )


def _tasks_backend() -> str:
    """Which queue the default task backend keeps: database, rq, or the backend's class name."""
    from django_tasks import task_backends
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        return "database"
    from django_tasks_rq import RQBackend

    if isinstance(backend, RQBackend):
        return "rq"
    if isinstance(backend, ImmediateBackend):
        return "immediate"
    return type(backend).__name__


@app.command()
def worker(
    with_scheduler: bool = typer.Option(
        False,
        "--with-scheduler",
        help="Also run the scheduler in this process (small sites: one worker process).",
    ),
    queues: str = typer.Option("*", help="Comma-separated queue names, or * for all."),
    interval: float = typer.Option(
        1.0, help="Seconds to wait when the queue is empty (database queue; Redis waits itself)."
    ),
    burst: bool = typer.Option(
        False, "--burst", help="Run the tasks that are queued now, then exit (either queue)."
    ),
) -> None:
    """Run background tasks until stopped: from the database queue, or from Redis when
    YIWANG_TASKS_BACKEND is rq."""
    setup()
    from django.core.management import call_command

    backend = _tasks_backend()
    if backend not in ("database", "rq"):
        err_console.print(
            "`yiwang worker` runs the database or the Redis (rq) task queue, but "
            f"YIWANG_TASKS_BACKEND is `{backend}`, which keeps no queue for a worker: "
            "set it to `database` or `rq`."
        )
        raise typer.Exit(2)
    if backend == "rq":
        _redis_worker(queues=queues, burst=burst, with_scheduler=with_scheduler)
        return
    if with_scheduler:
        from yiwang.core import scheduler

        scheduler.start_in_thread()
    # --burst is django-tasks-db's --batch; a worker that exits at once needs no staggered start.
    once = {"batch": True, "startup_delay": False} if burst else {}
    call_command(
        "db_worker", queue_name=queues, interval=interval, reload=False, verbosity=1, **once
    )


def _redis_worker(*, queues: str, burst: bool, with_scheduler: bool) -> None:
    from redis.exceptions import RedisError

    from yiwang.core import redis_worker

    try:
        names = redis_worker.queue_names(queues)
    except ValueError as exc:
        err_console.print(f"--queues: {exc}")
        raise typer.Exit(2) from exc
    try:
        rq_worker = redis_worker.connect(names)
    except RedisError as exc:
        err_console.print(f"Redis does not answer at YIWANG_REDIS_URL: {exc}")
        raise typer.Exit(1) from exc
    if with_scheduler:
        from yiwang.core import scheduler

        scheduler.start_in_thread()
    redis_worker.work(rq_worker, burst=burst)


@app.command("scheduler")
def scheduler_command() -> None:
    """Enqueue periodic tasks on their intervals.

    Safe to start more than once: one scheduler is active, the others stand by.
    """
    setup()
    from yiwang.core import scheduler

    running = scheduler.build()

    def stop(signum: int, frame: Any) -> None:
        running.stop.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    running.run()


def _one_line_paragraphs(typer_app: typer.Typer) -> None:
    """Give each command its docstring as help with every paragraph on one line.

    Typer keeps the line breaks of a docstring's later paragraphs, so ``--help`` would break
    sentences wherever the source wraps them; joined, the terminal wraps them at its width. A
    paragraph that starts with ``\\b`` keeps its lines, as in click.
    """
    for info in typer_app.registered_commands:
        if info.help is None and info.callback is not None and info.callback.__doc__:
            paragraphs = inspect.cleandoc(info.callback.__doc__).split("\n\n")
            info.help = "\n\n".join(
                p if p.startswith("\b") else " ".join(line.strip() for line in p.splitlines())
                for p in paragraphs
            )
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _one_line_paragraphs(group.typer_instance)


def _register() -> None:
    from yiwang.audit import cli as audit_cli

    app.add_typer(audit_cli.app, name="audit")
    from yiwang.catalogue import cli as catalogue_cli
    from yiwang.core import cli_calendar

    app.add_typer(catalogue_cli.app, name="services")
    app.add_typer(cli_calendar.app, name="calendar")
    from yiwang.exchange import cli as exchange_cli

    app.add_typer(exchange_cli.app, name="exchange")
    from yiwang.demo import cli as demo_cli

    app.add_typer(demo_cli.app)  # its commands are top-level: demo, load-demo
    _one_line_paragraphs(app)


_register()


def main() -> None:
    try:
        app()
    except Exception as exc:
        if not _unreachable_database(exc):
            raise
        # A wrong YIWANG_DATABASE_URL or a stopped server, as any command may meet it first:
        # one line that says so, not a page of traceback ending in the driver's words.
        reason = " ".join(str(exc).split())
        err_console.print(f"[red]Database error:[/red] {reason}", highlight=False)
        err_console.print(
            "Check YIWANG_DATABASE_URL and that the database server runs (yiwang check says more).",
            highlight=False,
        )
        raise SystemExit(1) from None


def _unreachable_database(exc: BaseException) -> bool:
    """Whether an error means the database could not be connected to (not a failing query)."""
    try:
        from django.db import connections
        from django.db.utils import OperationalError
    except ImportError:  # pragma: no cover - Django is a dependency
        return False
    if not isinstance(exc, OperationalError):
        return False
    try:
        db = connections["default"]
        return db.connection is None or db.is_usable() is False
    except Exception:  # asking about a broken connection may fail in any way
        return True


if __name__ == "__main__":
    main()
