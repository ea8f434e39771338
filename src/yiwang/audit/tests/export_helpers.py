"""Helpers for the export tests (not a test module)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.audit import offline


def resign(directory: Path, key: Ed25519PrivateKey) -> None:
    """Sign the export's files as they now are, counts and tree size left as they were: an
    export whose lines were already so when the platform's key signed it (a log altered before
    the export, or a signing key in the wrong hands)."""
    manifest = offline.read_manifest(directory)
    manifest["files"] = {name: offline.file_digest(directory / name) for name in offline.DATA_FILES}
    raw = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    (directory / offline.MANIFEST).write_bytes(raw)
    (directory / offline.SIGNATURE).write_bytes(offline.signature_file(key.sign(raw)))
