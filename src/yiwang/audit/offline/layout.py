"""The export's file names, and how each line of them is written. No Django here."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from yiwang.audit import domain
from yiwang.audit.streams import CheckpointRecord

FORMAT = "yiwang-audit-export/1"
EVENTS = "events.jsonl"
LEAVES = "leaves.jsonl"
CHECKPOINTS = "checkpoints.jsonl"
PUBLIC_KEY = "public_key.pem"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATA_FILES = (EVENTS, LEAVES, CHECKPOINTS, PUBLIC_KEY)


def json_line(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def event_line(row: tuple[Any, ...]) -> str:
    return json_line({"id": row[0], **dict(zip(domain.EVENT_FIELDS, row[1:], strict=True))})


def leaf_line(leaf_index: int, event_id: int, digest: bytes) -> str:
    return json_line({"leaf_index": leaf_index, "event_id": event_id, "content_hash": digest.hex()})


def checkpoint_line(cp: CheckpointRecord) -> str:
    frontier = [cp.frontier[i : i + 32].hex() for i in range(0, len(cp.frontier), 32)]
    return json_line(
        {
            "tree_size": cp.tree_size,
            "root": cp.root.hex(),
            "timestamp": cp.timestamp,
            "key_id": cp.key_id,
            "signature": base64.b64encode(cp.signature).decode("ascii"),
            "frontier": frontier,
        }
    )


def signature_file(signature: bytes) -> bytes:
    return base64.b64encode(signature) + b"\n"


def file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "bytes": size}
