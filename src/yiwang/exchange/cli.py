"""``yiwang exchange``: load data elements, registries, purposes and agreements; show policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

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
) -> None:
    """Load definitions: everything in the run is stored, or nothing when any file is wrong."""
    _setup()
    from django.utils import translation

    from yiwang.core.cli_calendar import print_problems
    from yiwang.core.errors import LoadError
    from yiwang.exchange.loaders import load_definitions

    with translation.override("en"):
        try:
            report = load_definitions(paths, approve_as=approve_as or (), dry_run=dry_run)
        except LoadError as exc:
            print_problems(exc.problems)
            raise typer.Exit(1) from exc
    for outcome in ("created", "updated", "unchanged"):
        found: dict[str, Any] = getattr(report, outcome)
        for kind, codes in sorted(found.items()):
            typer.echo(f"{outcome}: {kind}: {', '.join(codes)}")
    if report.approved:
        typer.echo(f"approved: agreements: {', '.join(report.approved)}")
    if dry_run:
        typer.echo("dry run: nothing was written.")


@app.command("policies")
def policies() -> None:
    """Print the Cedar authorisation policies generated from the approved agreements."""
    _setup()
    from yiwang.exchange import selectors

    typer.echo(selectors.policy_text() or "// no approved agreements: every read is refused")
