"""``yiwang exchange``: load data elements, registries, purposes and agreements; show policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yiwang.core.cli_language import LanguageOption

app = typer.Typer(
    help="Data exchange (数据共享): data elements, registries, sharing agreements.",
    no_args_is_help=True,
)


def _setup() -> None:
    from yiwang.cli import setup_django

    setup_django()


@app.command("load")
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Definition files, or folders searched for *.yaml and *.yml."),
    ],
    approve_as: Annotated[
        list[str] | None,
        typer.Option(
            "--approve-as",
            help="Approve every loaded agreement as this account, which must be a data officer "
            "of the department that owns the agreement's registry. Repeat for several "
            "providers. Without it agreements are loaded as requested.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
    language: LanguageOption = None,
) -> None:
    """Load definitions: everything in the run is stored, or nothing when any file is wrong.

    What is wrong is said in the operator's language (--language, or the locale's)."""
    _setup()
    from django.utils.translation import gettext as _

    from yiwang.core.cli_language import messages_in, print_problems
    from yiwang.core.errors import LoadError
    from yiwang.exchange.loaders import load_definitions

    with messages_in(language):
        try:
            report = load_definitions(paths, approve_as=approve_as or (), dry_run=dry_run)
        except LoadError as exc:
            print_problems(exc.problems)
            raise typer.Exit(1) from exc
        for outcome in ("created", "updated", "unchanged"):
            found: dict[str, Any] = getattr(report, outcome)
            for kind, codes in sorted(found.items()):
                typer.echo(_outcome_line(outcome, kind, codes))
        if report.approved:
            message = _("approved: agreements: %(codes)s")
            typer.echo(message % {"codes": ", ".join(report.approved)})
        if dry_run:
            typer.echo(_("dry run: nothing was written."))


def _outcome_line(outcome: str, kind: str, codes: list[str]) -> str:
    """What happened to one kind of definition, e.g. ``created: elements: person_name, sex``.

    One whole sentence for each outcome and kind, so that each language can order its words."""
    from django.utils.translation import gettext as _

    lines = {
        ("created", "elements"): _("created: elements: %(codes)s"),
        ("created", "purposes"): _("created: purposes: %(codes)s"),
        ("created", "registries"): _("created: registries: %(codes)s"),
        ("created", "agreements"): _("created: agreements: %(codes)s"),
        ("updated", "elements"): _("updated: elements: %(codes)s"),
        ("updated", "purposes"): _("updated: purposes: %(codes)s"),
        ("updated", "registries"): _("updated: registries: %(codes)s"),
        ("updated", "agreements"): _("updated: agreements: %(codes)s"),
        ("unchanged", "elements"): _("unchanged: elements: %(codes)s"),
        ("unchanged", "purposes"): _("unchanged: purposes: %(codes)s"),
        ("unchanged", "registries"): _("unchanged: registries: %(codes)s"),
        ("unchanged", "agreements"): _("unchanged: agreements: %(codes)s"),
    }
    joined = ", ".join(codes)
    line = lines.get((outcome, kind))
    if line is None:
        # A kind added to the loader before its sentence was written here.
        return f"{outcome}: {kind}: {joined}"
    return line % {"codes": joined}


@app.command("policies")
def policies() -> None:
    """Print the Cedar authorisation policies generated from the approved agreements."""
    _setup()
    from yiwang.exchange import selectors

    typer.echo(selectors.policy_text() or "// no approved agreements: every read is refused")


@app.command("status")
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON, for monitoring scripts.")
    ] = False,
) -> None:
    """Show every registry and, for remote ones, whether its department system answers.

    A remote registry's circuit is closed (lookups are sent), open (it failed too often: reads
    are refused as registry_unavailable until the cool-off ends) or half-open (one trial lookup
    is under way). Exits with status 3 when any circuit is not closed.
    """
    _setup()
    import json

    from rich.console import Console
    from rich.table import Table

    from yiwang.exchange import selectors
    from yiwang.exchange.connectors.status import remote_registry_statuses

    remote = {s.registry: s for s in remote_registry_statuses()}
    rows: list[dict[str, Any]] = []
    for info in selectors.registries():
        if not info.is_active:
            continue
        found = remote.get(info.code)
        rows.append(
            {
                "registry": info.code,
                "department": info.department_code,
                "storage": info.storage,
                "connector": found.connector_type if found else None,
                "circuit": found.state if found else None,
                "failures": found.failures if found else None,
                "failure_threshold": found.failure_threshold if found else None,
                "opened_at": found.opened_at.isoformat() if found and found.opened_at else None,
                "next_trial_at": (
                    found.next_trial_at.isoformat() if found and found.next_trial_at else None
                ),
                "last_error": found.last_error if found else None,
            }
        )
    down = [s.registry for s in remote.values() if not s.available]
    if as_json:
        typer.echo(json.dumps({"registries": rows, "unavailable": down}, indent=2))
    else:
        table = Table(title="Registries")
        for column in ("Registry", "Department", "Storage", "Circuit"):
            table.add_column(column, no_wrap=True)
        for row in rows:
            storage = row["storage"] + (f" ({row['connector']})" if row["connector"] else "")
            table.add_row(row["registry"], row["department"], storage, row["circuit"] or "-")
        Console().print(table)
        # The details of every remote registry that has failed lately, one line each.
        for row in rows:
            if row["circuit"] is None or not (row["failures"] or row["circuit"] != "closed"):
                continue
            parts = [f"{row['failures']}/{row['failure_threshold']} failures in a row"]
            if row["opened_at"]:
                parts.append(f"open since {row['opened_at']}")
            if row["next_trial_at"]:
                parts.append(f"next trial at {row['next_trial_at']}")
            parts.append(f"last error: {row['last_error']}")
            typer.echo(f"{row['registry']}: {row['circuit']}; {'; '.join(parts)}")
        if down:
            typer.echo(f"unavailable: {', '.join(down)}")
    if down:
        raise typer.Exit(3)
