"""``yiwang calendar``: load and show the working-day calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Working-day calendar: public holidays and make-up working days.", no_args_is_help=True
)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="Record the change as this staff account instead of the command line."
    ),
]


def _setup() -> None:
    from yiwang.cli import setup_django

    setup_django()


def cli_actor(username: str | None, *, name: str = "cli") -> Any:
    """The actor recorded for a command: the platform's command line, or a named admin account."""
    if username is None:
        from yiwang.audit.actors import system_actor

        return system_actor(name)
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.filter(username=username).first()
    if account is None or not account.is_active:
        raise typer.BadParameter(f"no active account called {username!r}", param_hint="--as")
    if not account.is_staff:
        raise typer.BadParameter(
            f"{username!r} is not a platform or department admin", param_hint="--as"
        )
    return account


def print_problems(problems: list[Any]) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)
    count = len(problems)
    typer.echo(f"{count} problem{'s' if count != 1 else ''}; nothing was written.", err=True)


@app.command("load")
def load(
    files: Annotated[list[Path], typer.Argument(help="Calendar YAML files or folders.")],
    region: Annotated[
        str | None,
        typer.Option(help="Load for this region code instead of the one in the file."),
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Load calendar files: all of them, or none when any has a mistake."""
    _setup()
    from django.utils import translation

    from yiwang.core.calendar_loader import load_calendar_files
    from yiwang.core.errors import LoadError

    actor = cli_actor(as_user)
    # Operators read the command line in English, whatever the site's default language.
    with translation.override("en"):
        try:
            report = load_calendar_files(files, actor=actor, region=region)
        except LoadError as exc:
            print_problems(exc.problems)
            raise typer.Exit(1) from exc
    for code, year, days in report.loaded:
        typer.echo(f"loaded {code} {year}: {days} days")
    for code, year in report.unchanged:
        typer.echo(f"unchanged {code} {year}")


@app.command("show")
def show(
    region: Annotated[str, typer.Argument(help="Region code, e.g. CN")],
    year: Annotated[int, typer.Argument(help="Year, e.g. 2026")],
) -> None:
    """List the holidays and make-up working days stored for one region and year."""
    _setup()
    from rich.console import Console
    from rich.table import Table

    from yiwang.core.calendar_models import CalendarDay

    days = CalendarDay.objects.filter(region_code=region, date__year=year).order_by("date")
    if not days:
        typer.echo(f"no calendar days stored for {region} {year}")
        raise typer.Exit(1)
    table = Table("date", "weekday", "kind", "name")
    for day in days:
        table.add_row(day.date.isoformat(), day.date.strftime("%a"), day.kind, day.name_zh)
    Console().print(table)
