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
            typer.echo(_outcome_line(outcome))
        typer.echo(_load_summary(len(report.changed), len(report.outcomes) - len(report.changed)))


def _outcome_line(outcome: Any) -> str:
    """One loaded definition, e.g. ``created: service residence-permit-renewal v1  (file)``.

    One whole sentence for each action and kind, so that each language can order its words."""
    from django.utils.translation import gettext as _

    lines = {
        ("created", "service"): _("created: service %(code)s v%(version)d  (%(file)s)"),
        ("created", "bundle"): _("created: bundle %(code)s v%(version)d  (%(file)s)"),
        ("published", "service"): _("published: service %(code)s v%(version)d  (%(file)s)"),
        ("published", "bundle"): _("published: bundle %(code)s v%(version)d  (%(file)s)"),
        ("created and published", "service"): _(
            "created and published: service %(code)s v%(version)d  (%(file)s)"
        ),
        ("created and published", "bundle"): _(
            "created and published: bundle %(code)s v%(version)d  (%(file)s)"
        ),
        ("unchanged", "service"): _("unchanged: service %(code)s v%(version)d  (%(file)s)"),
        ("unchanged", "bundle"): _("unchanged: bundle %(code)s v%(version)d  (%(file)s)"),
    }
    values = {"code": outcome.code, "version": outcome.version, "file": outcome.file}
    line = lines.get((outcome.action, outcome.kind))
    if line is None:
        # An action or kind added to the loader before its sentence was written here.
        return (
            f"{outcome.action}: {outcome.kind} {outcome.code} v{outcome.version}  ({outcome.file})"
        )
    return line % values


def _load_summary(changed: int, unchanged: int) -> str:
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    changed_part = ngettext("%(count)d changed", "%(count)d changed", changed)
    unchanged_part = ngettext("%(count)d unchanged", "%(count)d unchanged", unchanged)
    return _("%(changed)s, %(unchanged)s") % {
        "changed": changed_part % {"count": changed},
        "unchanged": unchanged_part % {"count": unchanged},
    }


@app.command("validate")
def validate(paths: PathsArgument, language: LanguageOption = None) -> None:
    """Check definitions exactly as load would, without writing anything."""
    _setup()
    from django.utils.translation import ngettext

    from yiwang.catalogue.services import validate_definitions
    from yiwang.core.errors import LoadError

    with _messages(language):
        try:
            parsed = validate_definitions(paths)
        except LoadError as exc:
            _fail(exc.problems)
            return
        for item in parsed:
            typer.echo(_valid_line(item))
        count = len(parsed)
        summary = ngettext("%(count)d definition valid", "%(count)d definitions valid", count)
        typer.echo(summary % {"count": count})


def _valid_line(item: Any) -> str:
    """One definition that passed, e.g. ``ok: service residence-permit-renewal  (file)``."""
    from django.utils.translation import gettext as _

    lines = {
        "service": _("ok: service %(code)s  (%(file)s)"),
        "bundle": _("ok: bundle %(code)s  (%(file)s)"),
    }
    line = lines.get(item.kind)
    if line is None:
        return f"ok: {item.kind} {item.code}  ({item.file})"
    return line % {"code": item.code, "file": item.file}


@app.command("list")
def list_definitions(language: LanguageOption = None) -> None:
    """List every service and bundle with its latest and published version."""
    _setup()
    from django.utils.translation import get_language, pgettext
    from rich.console import Console
    from rich.table import Table

    from yiwang.catalogue.constants import VersionState
    from yiwang.catalogue.selectors import definitions_overview

    with _messages(language):
        rows = definitions_overview()
        if not rows:
            typer.echo(pgettext("services list", "no services or bundles loaded yet"))
            return
        kinds = {
            "service": pgettext("definition kind", "service"),
            "bundle": pgettext("definition kind", "bundle"),
        }
        name = "name_en" if (get_language() or "").startswith("en") else "name_zh"
        table = Table(
            pgettext("services list column", "code"),
            pgettext("services list column", "kind"),
            pgettext("services list column", "latest"),
            pgettext("services list column", "state"),
            pgettext("services list column", "published"),
            pgettext("services list column", "name"),
        )
        for row in rows:
            state = row["latest_state"]
            table.add_row(
                row["code"],
                kinds.get(row["kind"], row["kind"]),
                f"v{row['latest']}" if row["latest"] else "-",
                str(VersionState(state).label) if state in VersionState.values else state or "-",
                f"v{row['published']}" if row["published"] else "-",
                row[name] or row["name_zh"],
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
        typer.echo(_lifecycle_line(str(result.state)) % {"code": code, "number": result.number})


def _lifecycle_line(state: str) -> str:
    """What publish or retire did, e.g. ``published: open-a-shop v2``."""
    from django.utils.translation import gettext as _

    lines = {
        "published": _("published: %(code)s v%(number)s"),
        "retired": _("retired: %(code)s v%(number)s"),
        "draft": _("draft: %(code)s v%(number)s"),
    }
    return lines.get(state, state + ": %(code)s v%(number)s")


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
