"""``yiwang audit``: seal, verify and export the audit log.

Django is set up inside each command, not at import, and ``verify --export`` never sets it up at
all: an auditor verifies an export on a machine with no database and no yiwang settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(help="Tamper-evident audit log: seal, verify, export.", no_args_is_help=True)

_err = Console(stderr=True)


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def _django() -> None:
    from yiwang.cli import setup_django

    setup_django()


def _finish(report_summary: str, ok: bool, notes: list[str]) -> None:
    for note in notes:
        _err.print(f"note: {note}", highlight=False)
    typer.echo(report_summary)
    if not ok:
        raise typer.Exit(code=1)


@app.command()
def seal() -> None:
    """Seal every unsealed event into the Merkle tree and sign a checkpoint, then add the
    sealed events to the auditors' search index."""
    _django()
    from yiwang.audit.actors import system_actor
    from yiwang.audit.search_index import index_sealed
    from yiwang.audit.services import SealRefused
    from yiwang.audit.services import seal as seal_log

    try:
        with _err.status("Sealing audit events…"):
            checkpoint = seal_log(actor=system_actor("cli"))
    except SealRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if checkpoint is None:
        typer.echo("Nothing to seal.")
    else:
        typer.echo(
            f"Sealed: tree size {checkpoint.tree_size}, root "
            f"{bytes(checkpoint.root_hash).hex()}, key {checkpoint.key_id}"
        )
    with _err.status("Indexing sealed events for search…"):
        indexed = index_sealed()
    if indexed:
        typer.echo(f"Indexed {indexed} sealed event(s) for the auditors' search.")


@app.command()
def index(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Empty the search index and build it again.")
    ] = False,
) -> None:
    """Add sealed events to the auditors' search index (the seal task does this on its own)."""
    _django()
    from yiwang.audit.search_index import index_sealed

    with _err.status("Indexing sealed events for search…"):
        indexed = index_sealed(rebuild=rebuild)
    typer.echo(f"Indexed {indexed} sealed event(s) for the auditors' search.")


@app.command()
def verify(
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Verify an export directory offline instead of the database.",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    public_key: Annotated[
        list[Path] | None,
        typer.Option(
            "--public-key",
            help="Trust only this public key (PEM) for an export; repeat for retired keys. "
            "Without it the key inside the export is used.",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    earlier_export: Annotated[
        Path | None,
        typer.Option(
            "--earlier-export",
            help="An export made before, kept where the database's administrators cannot "
            "write: every checkpoint it holds must still be in the log, unchanged.",
            file_okay=False,
            exists=True,
        ),
    ] = None,
) -> None:
    """Recompute every hash, root and signature; name the first problem found."""
    if export is not None:
        from yiwang.audit import offline

        if not offline.is_export(export):
            typer.echo(
                f"error: {export} is not an audit export: it holds none of the files "
                f"`yiwang audit export` writes ({offline.MANIFEST}, {offline.EVENTS}, …)",
                err=True,
            )
            raise typer.Exit(code=2)
        total = offline.expected_rows(export)
        pems = [p.read_bytes() for p in public_key or []]
        try:
            with _progress("Verifying export", total or None) as advance:
                report = offline.verify_export(
                    export, public_key_pems=pems or None, progress=advance, earlier=earlier_export
                )
        except ValueError as exc:  # a key that is not an Ed25519 key; an earlier export refused
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from exc
        _finish(report.summary(), report.ok, report.notes)
        return
    if public_key:
        raise typer.BadParameter("--public-key only applies with --export")
    _django()
    from yiwang.audit.keys import UnreadableKey
    from yiwang.audit.offline import EarlierExportError
    from yiwang.audit.verify import totals
    from yiwang.audit.verify import verify as verify_log

    events, leaves = totals()
    try:
        with _progress("Verifying audit log", max(events, leaves)) as advance:
            report = verify_log(progress=advance, earlier=earlier_export)
    except (UnreadableKey, EarlierExportError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    _finish(report.summary(), report.ok, report.notes)


@app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="New or empty directory to write into.")],
) -> None:
    """Write events, leaves, checkpoints, the public key and a signed manifest to DIRECTORY."""
    _django()
    from yiwang.audit.export import ExportError, export_log

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as bar:
        task = bar.add_task("Exporting audit log", total=None)
        try:
            manifest = export_log(
                directory,
                progress=lambda n: bar.advance(task, n),
                on_totals=lambda total: bar.update(task, total=total),
            )
        except ExportError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from exc
    counts = manifest["counts"]
    typer.echo(
        f"Exported {counts['events']} events, {counts['leaves']} leaves and "
        f"{counts['checkpoints']} checkpoints to {directory} (key {manifest['key_id']})"
    )
