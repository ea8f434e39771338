"""The export format, and verifying an export with nothing but a public key. No Django here.

An export directory holds:

- ``events.jsonl``       one event per line, in id order, every hashed field as stored;
- ``leaves.jsonl``       one leaf per line, in position order;
- ``checkpoints.jsonl``  one signed checkpoint per line, in tree-size order;
- ``public_key.pem``     the platform's public key at export time;
- ``manifest.json``      counts, settings that verification needs, the SHA-256 and size of
                         every file above, and the public keys retired before the export
                         (``retired_keys``, by key id) that signed older checkpoints;
- ``manifest.sig``       the platform's Ed25519 signature over the exact bytes of manifest.json.

The checkpoints' signatures prove the sealed log; the manifest signature and file digests make
any changed byte anywhere in the export fail, unsealed events and formatting included.

A file that is missing, cannot be read, is not JSON lines, or differs from the signed manifest is
named before anything the log check finds: such a file says something about the copy (damaged,
or altered after it was signed), not about the platform's log.

Three modules, one job each: :mod:`.layout` names the files and writes their lines (the export
writes with it), :mod:`.files` reads the files and checks them against the signed manifest, and
:mod:`.verification` verifies the log from what was read. Import from here.
"""

from yiwang.audit.offline.files import expected_rows, is_export, read_manifest
from yiwang.audit.offline.layout import (
    CHECKPOINTS,
    DATA_FILES,
    EVENTS,
    FORMAT,
    LEAVES,
    MANIFEST,
    PUBLIC_KEY,
    SIGNATURE,
    checkpoint_line,
    event_line,
    file_digest,
    json_line,
    leaf_line,
    signature_file,
)
from yiwang.audit.offline.verification import (
    EarlierExportError,
    earlier_checkpoints,
    verify_export,
)

__all__ = [
    "CHECKPOINTS",
    "DATA_FILES",
    "EVENTS",
    "FORMAT",
    "LEAVES",
    "MANIFEST",
    "PUBLIC_KEY",
    "SIGNATURE",
    "EarlierExportError",
    "checkpoint_line",
    "earlier_checkpoints",
    "event_line",
    "expected_rows",
    "file_digest",
    "is_export",
    "json_line",
    "leaf_line",
    "read_manifest",
    "signature_file",
    "verify_export",
]
