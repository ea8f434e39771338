"""``yiwang demo`` and ``yiwang load-demo``: the demo world, loaded and served."""

from __future__ import annotations

import socket
import time
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from yiwang.core.cli_support import (
    apply_migrations,
    console,
    err_console,
    progress_bar,
    setup,
)
from yiwang.core.errors import LoadError

app = typer.Typer()

DEMO_SEED = 2026
DEMO_PEOPLE = 1000
DEMO_FIRMS = 200


def _not_loaded(what: str, exc: LoadError) -> NoReturn:
    """Say why a part of the demo was not loaded, problem by problem, and stop."""
    verb = "were" if what.endswith("services") else "was"
    err_console.print(f"[red]{what} {verb} not loaded; nothing was written:[/red]")
    for problem in exc.problems:
        err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1) from exc


def _not_generated(exc: LoadError) -> NoReturn:
    """Say why generating stopped, and stop."""
    err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1) from exc


def _load_demo(*, people: int, firms: int, seed: int, cases: int = 0) -> None:
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
        _not_loaded("The demo world", exc)
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
        _not_loaded("The demo services", exc)
    if changed:
        console.print(f"Demo services: {len(changed)} definition(s) loaded and published.")
    else:
        console.print("Demo services: already published, nothing changed.")
    try:
        with console.status("Loading the demo data exchange (registries, agreements, records)..."):
            exchange = services.load_exchange(actor=actor, world=world)
    except LoadError as exc:
        _not_loaded("The demo data exchange", exc)
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
        with progress_bar() as progress:
            task = progress.add_task(f"Generated {label} (seed {seed})", total=count)

            def advance(done: int, progress: Progress = progress, task: Any = task) -> None:
                progress.advance(task, done)

            try:
                result = load(actor=actor, seed=seed, count=count, progress=advance, **extra)
            except LoadError as exc:
                _not_generated(exc)
        seconds = max(time.monotonic() - started, 1e-9)
        console.print(
            f"Generated {label}: {result.created} created, {result.skipped} already "
            f"there, {result.records} registry record(s) added ({count / seconds:,.0f} {label}/s)."
        )
    if cases > 0:
        _load_cases(actor=actor, seed=seed, cases=cases, people=people)


def _load_cases(*, actor: Any, seed: int, cases: int, people: int) -> None:
    from yiwang.demo import cases as generated

    started = time.monotonic()
    with progress_bar() as progress:
        task = progress.add_task(f"Generated cases (seed {seed})", total=cases)

        def advance(done: int) -> None:
            progress.advance(task, done)

        try:
            report = generated.load_generated_cases(
                actor=actor, seed=seed, count=cases, people=people, progress=advance
            )
        except LoadError as exc:
            _not_generated(exc)
    seconds = max(time.monotonic() - started, 1e-9)
    console.print(
        f"Generated cases: {report.cases:,} created in {report.applications:,} applications "
        f"with {report.tasks:,} tasks; {report.skipped_cases:,} already there "
        f"({(report.cases + report.skipped_cases) / seconds:,.0f} cases/s)."
    )


@app.command("load-demo")
def load_demo(
    people: int = typer.Option(DEMO_PEOPLE, min=0, help="Generated people to add (no logins)."),
    firms: int = typer.Option(DEMO_FIRMS, min=0, help="Generated firms to add."),
    seed: int = typer.Option(DEMO_SEED, help="Generator seed: the same seed, the same world."),
    cases: int = typer.Option(
        0, min=0, help="Generated cases to add: submitted applications of the generated people."
    ),
) -> None:
    """Load the demo world (Demo City, 演示市). Loading it again changes nothing.

    Departments, staff and citizen logins, generated people and firms. Refused in production
    mode.
    """
    setup()
    _load_demo(people=people, firms=firms, seed=seed, cases=cases)


def print_logins(base_url: str, out: Console | None = None) -> None:
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


def port_free(host: str, port: int) -> bool:
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
    port: int = typer.Option(8000, min=1, max=65535, help="Port for the web server."),
    host: str = typer.Option("127.0.0.1", help="Address for the web server."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Do not start a background worker and scheduler."
    ),
) -> None:
    """Migrate, load the demo world, print the logins and serve it. Ctrl-C stops it all.

    A background worker with the scheduler runs beside the web server unless --no-worker.
    """
    setup()
    from yiwang.core import supervisor
    from yiwang.core.messages import compile_all
    from yiwang.demo import services

    try:
        services.refuse_in_production()
    except services.DemoRefusedError as exc:
        err_console.print(f"[red]Refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    if not port_free(host, port):
        err_console.print(f"Port {port} on {host} is in use; choose another with --port.")
        raise typer.Exit(1)
    apply_migrations()
    compile_all()
    _load_demo(people=DEMO_PEOPLE, firms=DEMO_FIRMS, seed=DEMO_SEED)
    base_url = f"http://{host}:{port}"
    print_logins(base_url)

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
