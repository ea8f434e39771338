"""``yiwang calendar``: load and show the working-day calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yiwang.core.cli_language import LanguageOption

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
    from django.utils.translation import gettext as _

    account = get_user_model().objects.filter(username=username).first()
    if account is None or not account.is_active:
        message = _("no active account called '%(username)s'")
        raise typer.BadParameter(message % {"username": username}, param_hint="--as")
    if not account.is_staff:
        message = _("'%(username)s' is not a platform or department admin")
        raise typer.BadParameter(message % {"username": username}, param_hint="--as")
    return account


@app.command("load")
def load(
    files: Annotated[list[Path], typer.Argument(help="Calendar YAML files or folders.")],
    region: Annotated[
        str | None,
        typer.Option(help="Load for this region code instead of the one in the file."),
    ] = None,
    as_user: AsOption = None,
    language: LanguageOption = None,
) -> None:
    """Load calendar files: all of them, or none when any has a mistake.

    Messages are in the operator's language (--language, or the locale's)."""
    _setup()
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from yiwang.core.calendar_loader import load_calendar_files
    from yiwang.core.cli_language import messages_in, print_problems
    from yiwang.core.errors import LoadError

    with messages_in(language):
        actor = cli_actor(as_user)
        try:
            report = load_calendar_files(files, actor=actor, region=region)
        except LoadError as exc:
            print_problems(exc.problems)
            raise typer.Exit(1) from exc
        for code, year, days in report.loaded:
            message = ngettext(
                "loaded %(region)s %(year)d: %(count)d day",
                "loaded %(region)s %(year)d: %(count)d days",
                days,
            )
            typer.echo(message % {"region": code, "year": year, "count": days})
        for code, year in report.unchanged:
            typer.echo(_("unchanged %(region)s %(year)d") % {"region": code, "year": year})


@app.command("show")
def show(
    region: Annotated[str, typer.Argument(help="Region code, e.g. CN")],
    year: Annotated[int, typer.Argument(help="Year, e.g. 2026")],
    language: LanguageOption = None,
) -> None:
    """List the holidays and make-up working days stored for one region and year."""
    _setup()
    from django.utils.dates import WEEKDAYS_ABBR
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _
    from rich.console import Console
    from rich.table import Table

    from yiwang.core.calendar import DayKind
    from yiwang.core.calendar_models import CalendarDay
    from yiwang.core.cli_language import messages_in

    with messages_in(language):
        # Each day's name is stored in both languages: show the one the messages are in.
        chinese = get_language().startswith("zh")
        days = CalendarDay.objects.filter(region_code=region, date__year=year).order_by("date")
        if not days:
            message = _("no calendar days stored for %(region)s %(year)d")
            typer.echo(message % {"region": region, "year": year})
            raise typer.Exit(1)
        table = Table(_("date"), _("weekday"), _("kind"), _("name"))
        for day in days:
            table.add_row(
                day.date.isoformat(),
                str(WEEKDAYS_ABBR[day.date.weekday()]),
                str(DayKind(day.kind).label),
                day.name_zh if chinese else day.name_en,
            )
        Console().print(table)
