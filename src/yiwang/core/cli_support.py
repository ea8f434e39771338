"""What every group of the ``yiwang`` command shares: its consoles, setting Django up, progress
bars and applying migrations."""

from __future__ import annotations

import os

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

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.settings")
    import django

    django.setup()


def setup() -> None:
    """Set Django up, turning a configuration mistake into one readable line."""
    from yiwang.conf.env import ConfigurationError

    try:
        setup_django()
    except ConfigurationError as exc:
        err_console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def progress_bar(*, transient: bool = False) -> Progress:
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


def apply_migrations() -> int:
    """Apply what is pending, with a progress bar; how many were applied."""
    from yiwang.core import migrate as migrations

    todo = migrations.pending()
    if not todo:
        console.print("Database is up to date: no migrations to apply.")
        return 0
    with progress_bar(transient=True) as progress:
        task = progress.add_task("Applying migrations", total=len(todo))

        def applied(name: str) -> None:
            progress.update(task, advance=1, description=f"Applied {name}")

        migrations.apply(on_applied=applied)
    console.print(f"Applied {len(todo)} migration(s).")
    return len(todo)
