"""Write the audit log to a directory that anyone can verify offline (format in ``offline``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


class ExportError(Exception):
    pass


def _prepare(directory: Path) -> None:
    try:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise ExportError(f"{directory} exists and is not an empty directory")
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot write into {directory}: {exc.strerror or exc}") from exc


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
        with (directory / offline.EVENTS).open("w", encoding="utf-8", newline="\n") as fh:
            for row in event_field_rows():
                fh.write(offline.event_line(row))
                counts["events"] += 1
                if progress is not None and counts["events"] % 10_000 == 0:
                    progress(10_000)
        with (directory / offline.LEAVES).open("w", encoding="utf-8", newline="\n") as fh:
            for index, event_id, digest in leaf_rows():
                fh.write(offline.leaf_line(index, event_id, bytes(digest)))
                counts["leaves"] += 1
                if progress is not None and counts["leaves"] % 10_000 == 0:
                    progress(10_000)
        with (directory / offline.CHECKPOINTS).open("w", encoding="utf-8", newline="\n") as fh:
            for cp in checkpoint_records():
                fh.write(offline.checkpoint_line(cp))
                counts["checkpoints"] += 1
                tree_size = max(tree_size, cp.tree_size)
    if progress is not None:
        progress((counts["events"] % 10_000) + (counts["leaves"] % 10_000))
    (directory / offline.PUBLIC_KEY).write_text(domain.public_key_pem(public), encoding="ascii")
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
    (directory / offline.MANIFEST).write_bytes(raw)
    (directory / offline.SIGNATURE).write_bytes(offline.signature_file(key.sign(raw)))
    record_event(
        actor=actor or system_actor("cli"),
        action="audit.log_exported",
        data={"events": counts["events"], "tree_size": tree_size, "key_id": manifest["key_id"]},
    )
    return manifest
