"""Write the audit log to a directory that anyone can verify offline (format in ``offline``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from yiwang.audit import domain, keys, offline
from yiwang.audit.actors import Actor, system_actor
from yiwang.audit.verify import (
    checkpoint_records,
    event_field_rows,
    leaf_rows,
    read_snapshot,
    totals,
)
from yiwang.core import clock

# The log holds personal data: an export is readable by its owner only, whatever the umask.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


class ExportError(Exception):
    pass


def _prepare(directory: Path) -> None:
    try:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise ExportError(f"{directory} exists and is not an empty directory")
        if not directory.exists():
            directory.mkdir(mode=DIRECTORY_MODE, parents=True)
            directory.chmod(DIRECTORY_MODE)  # the mode given to mkdir is subject to the umask
    except OSError as exc:
        raise ExportError(f"cannot write into {directory}: {exc.strerror or exc}") from exc


def _create(path: Path, mode: str = "w") -> IO[Any]:
    """A new file of the export, readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        if mode == "wb":
            return os.fdopen(fd, "wb")
        return os.fdopen(fd, "w", encoding="utf-8", newline="\n")
    except BaseException:
        os.close(fd)
        raise


def export_log(
    directory: Path,
    *,
    actor: Actor | None = None,
    progress: Callable[[int], None] | None = None,
    on_totals: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Export a consistent snapshot of the whole log and return the manifest.

    The export itself is recorded as an audit event (after the snapshot, so it is in the next
    export): the log holds personal data, and taking a copy of it is worth knowing about.
    """
    from yiwang.audit.services import record_event  # services imports this app's models too

    _prepare(directory)
    key = keys.signing_key()
    public = key.public_key()
    try:
        retired = {
            key_id: domain.public_key_pem(old)
            for key_id, old in keys.retired_public_keys().items()
            if key_id != domain.key_id(public)
        }
    except keys.UnreadableKey as exc:
        raise ExportError(str(exc)) from exc
    counts = {"events": 0, "leaves": 0, "checkpoints": 0}
    tree_size = 0
    with read_snapshot():
        events_total, leaves_total = totals()
        if on_totals is not None:
            on_totals(events_total + leaves_total)
        with _create(directory / offline.EVENTS) as fh:
            for row in event_field_rows():
                fh.write(offline.event_line(row))
                counts["events"] += 1
                if progress is not None and counts["events"] % 10_000 == 0:
                    progress(10_000)
        with _create(directory / offline.LEAVES) as fh:
            for index, event_id, digest in leaf_rows():
                fh.write(offline.leaf_line(index, event_id, bytes(digest)))
                counts["leaves"] += 1
                if progress is not None and counts["leaves"] % 10_000 == 0:
                    progress(10_000)
        with _create(directory / offline.CHECKPOINTS) as fh:
            for cp in checkpoint_records():
                fh.write(offline.checkpoint_line(cp))
                counts["checkpoints"] += 1
                tree_size = max(tree_size, cp.tree_size)
    if progress is not None:
        progress((counts["events"] % 10_000) + (counts["leaves"] % 10_000))
    with _create(directory / offline.PUBLIC_KEY) as fh:
        fh.write(domain.public_key_pem(public))
    manifest = {
        "format": offline.FORMAT,
        "exported_at": domain.canonical_timestamp(clock.now()),
        "key_id": domain.key_id(public),
        "max_transaction_seconds": settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS,
        "event_version": domain.EVENT_VERSION,
        "counts": counts,
        "tree_size": tree_size,
        "files": {name: offline.file_digest(directory / name) for name in offline.DATA_FILES},
        "retired_keys": retired,
    }
    raw = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    with _create(directory / offline.MANIFEST, "wb") as fh:
        fh.write(raw)
    with _create(directory / offline.SIGNATURE, "wb") as fh:
        fh.write(offline.signature_file(key.sign(raw)))
    record_event(
        actor=actor or system_actor("cli"),
        action="audit.log_exported",
        data={"events": counts["events"], "tree_size": tree_size, "key_id": manifest["key_id"]},
    )
    return manifest
