"""The ``yiwang`` command. Each group lives beside the app it drives; this module composes them.

Commands parse their options, set Django up and call one function of the app that does the work;
anything that takes longer than a moment shows a progress bar.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import socket
import time
from dataclasses import asdict
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

app = typer.Typer(help="yiwang (一网) digital-government platform", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep

DEMO_SEED = 2026
DEMO_PEOPLE = 1000
DEMO_FIRMS = 200


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.settings")
    import django

    django.setup()


def _setup() -> None:
    """Set Django up, turning a configuration mistake into one readable line."""
    from yiwang.conf.env import ConfigurationError

    try:
        setup_django()
    except ConfigurationError as exc:
        err_console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _progress(*, transient: bool = False) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


# --- Configuration and checks ---------------------------------------------------------------


@app.command()
def config(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show every setting, its current value and where the value came from."""
    _setup()
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
    _setup()
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
    try:
        call_command("check", deploy=deploy, databases=[] if failed else ["default"])
    except SystemCheckError as exc:
        err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        failed = True
    if failed:
        raise typer.Exit(1)


# --- Database -------------------------------------------------------------------------------


def _migrate() -> int:
    from yiwang.core import migrate as migrations

    todo = migrations.pending()
    if not todo:
        console.print("Database is up to date: no migrations to apply.")
        return 0
    with _progress(transient=True) as progress:
        task = progress.add_task("Applying migrations", total=len(todo))

        def applied(name: str) -> None:
            progress.update(task, advance=1, description=f"Applied {name}")

        migrations.apply(on_applied=applied)
    console.print(f"Applied {len(todo)} migration(s).")
    return len(todo)


@app.command()
def migrate() -> None:
    """Apply database migrations (run this after every upgrade)."""
    _setup()
    _migrate()


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command: yiwang manage showmigrations, ..."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang manage", *ctx.args])


# --- Processes ------------------------------------------------------------------------------


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int | None = typer.Option(
        None, min=1, help="gunicorn worker processes. Default: YIWANG_WEB_WORKERS."
    ),
    threads: int | None = typer.Option(
        None, min=1, help="Threads per worker (1: sync workers). Default: YIWANG_WEB_THREADS."
    ),
) -> None:
    """Serve the web application with gunicorn (access log on stdout)."""
    _setup()
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
    _setup()
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
    _setup()
    from yiwang.core import scheduler

    running = scheduler.build()

    def stop(signum: int, frame: Any) -> None:
        running.stop.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    running.run()


# --- The demo -------------------------------------------------------------------------------


def _load_demo(*, people: int, firms: int, seed: int, cases: int = 0) -> None:
    from yiwang.core.errors import LoadError
    from yiwang.demo import loader, services

    try:
        services.refuse_in_production()
        world = loader.read_world()
        actor = services.demo_actor()
        with console.status("Loading the demo world (regions, departments, accounts)..."):
            report = services.load_world(actor=actor, world=world)
    except services.DemoRefusedError as exc:
        err_console.print(f"[red]Refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    except LoadError as exc:
        err_console.print("[red]The demo world was not loaded; nothing was written:[/red]")
        for problem in exc.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    if report.changed:
        parts = [f"{n} {kind}(s) created" for kind, n in sorted(report.created.items())]
        parts += [f"{n} {kind}(s) updated" for kind, n in sorted(report.updated.items())]
        console.print("Demo world: " + ", ".join(parts) + ".")
    else:
        console.print("Demo world: already loaded, nothing changed.")
    try:
        with console.status("Loading the demo services and bundles..."):
            changed = services.load_catalogue(actor=actor)
    except LoadError as exc:
        err_console.print("[red]The demo services were not loaded; nothing was written:[/red]")
        for problem in exc.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    if changed:
        console.print(f"Demo services: {len(changed)} definition(s) loaded and published.")
    else:
        console.print("Demo services: already published, nothing changed.")
    try:
        with console.status("Loading the demo data exchange (registries, agreements, records)..."):
            exchange = services.load_exchange(actor=actor, world=world)
    except LoadError as exc:
        err_console.print("[red]The demo data exchange was not loaded; nothing was written:[/red]")
        for problem in exc.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    if exchange.changed:
        console.print(
            f"Demo data exchange: {len(exchange.approved)} agreement(s) approved, "
            f"{sum(exchange.records_created.values())} record(s) created, "
            f"{sum(exchange.records_updated.values())} updated."
        )
    else:
        console.print("Demo data exchange: already loaded, nothing changed.")

    for label, count, load in (
        ("people", people, services.load_generated_people),
        ("firms", firms, services.load_generated_firms),
    ):
        if count <= 0:
            continue
        extra = {"people": people} if label == "firms" else {}
        started = time.monotonic()
        with _progress() as progress:
            task = progress.add_task(f"Generated {label} (seed {seed})", total=count)

            def advance(done: int, progress: Progress = progress, task: Any = task) -> None:
                progress.advance(task, done)

            try:
                result = load(actor=actor, seed=seed, count=count, progress=advance, **extra)
            except LoadError as exc:
                err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
                raise typer.Exit(1) from exc
        seconds = max(time.monotonic() - started, 1e-9)
        console.print(
            f"Generated {label}: {result.created} created, {result.skipped} already "
            f"there, {result.records} registry record(s) added ({count / seconds:,.0f} {label}/s)."
        )
    if cases > 0:
        _load_cases(actor=actor, seed=seed, cases=cases, people=people)


def _load_cases(*, actor: Any, seed: int, cases: int, people: int) -> None:
    from yiwang.core.errors import LoadError
    from yiwang.demo import cases as generated

    started = time.monotonic()
    with _progress() as progress:
        task = progress.add_task(f"Generated cases (seed {seed})", total=cases)

        def advance(done: int) -> None:
            progress.advance(task, done)

        try:
            report = generated.load_generated_cases(
                actor=actor, seed=seed, count=cases, people=people, progress=advance
            )
        except LoadError as exc:
            err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from exc
    seconds = max(time.monotonic() - started, 1e-9)
    console.print(
        f"Generated cases: {report.cases:,} created in {report.applications:,} applications "
        f"with {report.tasks:,} tasks; {report.skipped_cases:,} already there "
        f"({(report.cases + report.skipped_cases) / seconds:,.0f} cases/s)."
    )


@app.command("load-demo")
def load_demo(
    people: int = typer.Option(DEMO_PEOPLE, help="Generated people to add (no logins)."),
    firms: int = typer.Option(DEMO_FIRMS, help="Generated firms to add."),
    seed: int = typer.Option(DEMO_SEED, help="Generator seed: the same seed, the same world."),
    cases: int = typer.Option(
        0, help="Generated cases to add: submitted applications of the generated people."
    ),
) -> None:
    """Load the demo world (Demo City, 演示市). Loading it again changes nothing.

    Departments, staff and citizen logins, generated people and firms. Refused in production
    mode.
    """
    _setup()
    _load_demo(people=people, firms=firms, seed=seed, cases=cases)


def _print_logins(base_url: str, out: Console | None = None) -> None:
    """The demo logins as a table that fits an 80-column terminal: a password shared by every
    login, and the site's address, are said once, under the table."""
    from yiwang.demo import loader

    world = loader.read_world()
    logins = loader.logins(world)
    passwords = {login.password for login in logins}
    shared = passwords.pop() if len(passwords) == 1 else None
    table = Table(title=f"Demo logins — {world.name_en} / {world.name_zh} (demo only)")
    table.add_column("User name", no_wrap=True)
    if shared is None:
        table.add_column("Password", no_wrap=True)
    table.add_column("Role (department)")
    table.add_column("Start at", no_wrap=True)
    for login in logins:
        password = [] if shared is not None else [login.password]
        table.add_row(login.username, *password, login.role, login.site)
    said_once = f"Password for every login: {shared}\n" if shared is not None else ""
    table.caption = f"{said_once}Open {base_url}"
    (out or console).print(table)


def _port_free(host: str, port: int) -> bool:
    """Whether the web server could listen there. It binds with SO_REUSEADDR, as gunicorn does,
    so connections of a server stopped a moment ago (TIME_WAIT) do not count as in use."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@app.command()
def demo(
    port: int = typer.Option(8000, help="Port for the web server."),
    host: str = typer.Option("127.0.0.1", help="Address for the web server."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Do not start a background worker and scheduler."
    ),
) -> None:
    """Migrate, load the demo world, print the logins and serve it. Ctrl-C stops it all.

    A background worker with the scheduler runs beside the web server unless --no-worker.
    """
    _setup()
    from yiwang.core import supervisor
    from yiwang.core.messages import compile_all
    from yiwang.demo import services

    try:
        services.refuse_in_production()
    except services.DemoRefusedError as exc:
        err_console.print(f"[red]Refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    if not _port_free(host, port):
        err_console.print(f"Port {port} on {host} is in use; choose another with --port.")
        raise typer.Exit(1)
    _migrate()
    compile_all()
    _load_demo(people=DEMO_PEOPLE, firms=DEMO_FIRMS, seed=DEMO_SEED)
    base_url = f"http://{host}:{port}"
    _print_logins(base_url)

    children = [
        supervisor.Child(
            "web", supervisor.yiwang_command("serve", "--host", host, "--port", str(port))
        )
    ]
    if not no_worker:
        children.append(
            supervisor.Child("worker", supervisor.yiwang_command("worker", "--with-scheduler"))
        )
    processes = supervisor.Supervisor(children)

    def ready() -> None:
        if supervisor.wait_for_http(f"{base_url}/healthz", timeout=60, alive=processes.running):
            console.print(
                f"[bold green]yiwang demo is running at {base_url}/[/bold green] "
                "— press Ctrl-C to stop."
            )

    processes.start()
    code = processes.run(on_ready=ready)
    if code:
        err_console.print("A demo process stopped unexpectedly; everything was shut down.")
    raise typer.Exit(code)


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
    _one_line_paragraphs(app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
