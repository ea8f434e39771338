"""``yiwang services``: load, check, list, publish and retire service and bundle definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yiwang.core.cli_language import Language, LanguageOption

app = typer.Typer(
    help="Service and bundle definitions (政务服务事项, 一件事): load, validate, publish, retire.",
    no_args_is_help=True,
)

PathsArgument = Annotated[
    list[Path], typer.Argument(help="Definition files, or folders searched for *.yaml and *.yml.")
]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this staff account (recorded in the audit log)."),
]


def _setup() -> None:
    from yiwang.cli import setup_django

    setup_django()


def _actor(username: str | None) -> Any:
    from yiwang.core.cli_calendar import cli_actor

    return cli_actor(username)


def _messages(language: Language | None) -> Any:
    """The operator reads what is wrong in the language they chose, else their locale's, whatever
    the site's default language."""
    from yiwang.core.cli_language import messages_in

    return messages_in(language)


def _fail(problems: list[Any]) -> None:
    from yiwang.core.cli_language import print_problems

    print_problems(problems)
    raise typer.Exit(1)


@app.command("load")
def load(
    paths: PathsArgument,
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish each new version at once.")
    ] = False,
    as_user: AsOption = None,
    language: LanguageOption = None,
) -> None:
    """Load definitions: all files of the run are stored, or none when any has a mistake."""
    _setup()
    from yiwang.catalogue.services import LifecycleError, load_definitions
    from yiwang.core.errors import LoadError, LoadProblem

    with _messages(language):
        actor = _actor(as_user)
        try:
            report = load_definitions(paths, actor=actor, publish=publish)
        except LoadError as exc:
            _fail(exc.problems)
            return
        except LifecycleError as exc:
            _fail([LoadProblem("", "", str(exc))])
            return
        for outcome in report.outcomes:
            typer.echo(
                f"{outcome.action}: {outcome.kind} {outcome.code} v{outcome.version}"
                f"  ({outcome.file})"
            )
        typer.echo(
            f"{len(report.changed)} changed, {len(report.outcomes) - len(report.changed)} unchanged"
        )


@app.command("validate")
def validate(paths: PathsArgument, language: LanguageOption = None) -> None:
    """Check definitions exactly as load would, without writing anything."""
    _setup()
    from yiwang.catalogue.services import validate_definitions
    from yiwang.core.errors import LoadError

    with _messages(language):
        try:
            parsed = validate_definitions(paths)
        except LoadError as exc:
            _fail(exc.problems)
            return
        for item in parsed:
            typer.echo(f"ok: {item.kind} {item.code}  ({item.file})")
        typer.echo(f"{len(parsed)} definition{'s' if len(parsed) != 1 else ''} valid")


@app.command("list")
def list_definitions() -> None:
    """List every service and bundle with its latest and published version."""
    _setup()
    from rich.console import Console
    from rich.table import Table

    from yiwang.catalogue.selectors import definitions_overview

    rows = definitions_overview()
    if not rows:
        typer.echo("no services or bundles loaded yet")
        return
    table = Table("code", "kind", "latest", "state", "published", "name")
    for row in rows:
        table.add_row(
            row["code"],
            row["kind"],
            f"v{row['latest']}" if row["latest"] else "-",
            row["latest_state"] or "-",
            f"v{row['published']}" if row["published"] else "-",
            row["name_zh"],
        )
    Console(width=160).print(table)


def _lifecycle(
    action: str, code: str, version: int | None, as_user: str | None, language: Language | None
) -> None:
    _setup()
    from yiwang.catalogue import services
    from yiwang.core.errors import PermissionDenied

    with _messages(language):
        actor = _actor(as_user)
        change = services.publish_definition if action == "publish" else services.retire_definition
        try:
            result = change(actor=actor, code=code, version=version)
        except (services.LifecycleError, PermissionDenied) as exc:
            typer.echo(f"{code}: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"{result.state}: {code} v{result.number}")


VersionOption = Annotated[
    int | None, typer.Option("--version", help="The version number (default: see above).")
]


@app.command("publish")
def publish(
    code: Annotated[str, typer.Argument(help="Service or bundle code.")],
    version: VersionOption = None,
    as_user: AsOption = None,
    language: LanguageOption = None,
) -> None:
    """Publish a version (default: the latest draft); the one published before retires."""
    _lifecycle("publish", code, version, as_user, language)


@app.command("retire")
def retire(
    code: Annotated[str, typer.Argument(help="Service or bundle code.")],
    version: VersionOption = None,
    as_user: AsOption = None,
    language: LanguageOption = None,
) -> None:
    """Retire a version (default: the published one), taking it out of the catalogue."""
    _lifecycle("retire", code, version, as_user, language)
