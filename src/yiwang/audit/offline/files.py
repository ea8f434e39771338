"""Reading an export's files, and checking them against its signed manifest. No Django here.

A file that is missing, cannot be read, is not JSON lines, or differs from the signed manifest says
something about the copy (damaged, or altered after it was signed), not about the platform's log.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from yiwang.audit import domain
from yiwang.audit.offline.layout import (
    DATA_FILES,
    FORMAT,
    MANIFEST,
    SIGNATURE,
    file_digest,
    signature_file,
)
from yiwang.audit.report import CHANGED, FORGED, REMOVED, Problem

_SIGNATURE_BYTES = 64  # an Ed25519 signature


class Reader:
    """Streams one JSON Lines file, remembering the first line it could not understand."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def rows(self) -> Iterator[dict[str, Any]]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            self.problems.append(unreadable(self.path, exc))
            return
        with fh:
            for number, line in enumerate(fh, start=1):
                try:
                    value = json.loads(line.removesuffix(b"\n").decode("utf-8"))
                    if not isinstance(value, dict):
                        raise ValueError("it is not an object")
                except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
                    why = _why_not_json(line, exc)
                    self.problems.append(
                        Problem(
                            CHANGED,
                            "export",
                            self.path.name,
                            f"line {number} is not a JSON object, as every line must be ({why})",
                        )
                    )
                    continue
                value["_line"] = number
                yield value

    def bad(self, row: dict[str, Any], reason: str) -> None:
        where = f"line {row.get('_line', '?')}: {reason}"
        self.problems.append(Problem(CHANGED, "export", self.path.name, where))


def _why_not_json(line: bytes, exc: Exception) -> str:
    if not line.strip():
        return "it is empty"
    if isinstance(exc, UnicodeDecodeError):
        return f"byte {exc.start + 1} is not UTF-8"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg}: character {exc.pos + 1}"
    if isinstance(exc, RecursionError):
        return "it is nested too deep"
    return str(exc)


def unreadable(path: Path, exc: OSError) -> Problem:
    """A file of the export that is not there, or cannot be read."""
    if isinstance(exc, FileNotFoundError):
        return Problem(REMOVED, "export", path.name, "file is missing")
    return Problem(REMOVED, "export", path.name, f"cannot be read ({exc.strerror or exc})")


def read_manifest(directory: Path) -> dict[str, Any]:
    return dict(json.loads((directory / MANIFEST).read_bytes()))


def is_export(directory: Path) -> bool:
    """Whether the directory holds any file of an export (else it is not one at all)."""
    return any((directory / name).exists() for name in (*DATA_FILES, MANIFEST, SIGNATURE))


def expected_rows(directory: Path) -> int:
    """Rows the manifest says the export holds (for a progress bar); 0 if it cannot tell."""
    try:
        counts = json.loads((directory / MANIFEST).read_bytes()).get("counts")
        return max(int(counts.get("events", 0)), int(counts.get("leaves", 0)), 0)
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return 0


# The largest longest-transaction a manifest may carry: a day (the setting is minutes).
_MAX_TRANSACTION_LIMIT = 86400


def _manifest_shape_problem(manifest: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a (signed) manifest, or None."""
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(
        isinstance(counts.get(name), int) for name in ("events", "leaves", "checkpoints")
    ):
        return "its counts are not whole numbers of events, leaves and checkpoints"
    window = manifest.get("max_transaction_seconds")
    if not isinstance(window, int) or not 0 <= window <= _MAX_TRANSACTION_LIMIT:
        return f"max_transaction_seconds must be a whole number from 0 to {_MAX_TRANSACTION_LIMIT}"
    retired = manifest.get("retired_keys", {})
    if not isinstance(retired, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in retired.items()
    ):
        return "retired_keys must map key ids to public keys in PEM"
    return None


def check_manifest(
    directory: Path, keys: dict[str, Ed25519PublicKey], problems: list[Problem]
) -> tuple[dict[str, Any] | None, bool]:
    """The manifest, if it can be used at all, and whether one of ``keys`` signed it."""
    try:
        raw = (directory / MANIFEST).read_bytes()
    except OSError as exc:
        problems.append(unreadable(directory / MANIFEST, exc))
        return None, False
    try:
        manifest = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(CHANGED, "export", MANIFEST, f"is not JSON ({exc})"))
        return None, False
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        problems.append(Problem(CHANGED, "export", MANIFEST, f"is not a {FORMAT} manifest"))
        return None, False
    signed = _check_signature(directory, manifest, raw, keys, problems)
    shape = _manifest_shape_problem(manifest)
    if shape is not None:
        problems.append(Problem(CHANGED, "export", MANIFEST, shape))
        return None, False
    return manifest, signed


def _check_signature(
    directory: Path,
    manifest: dict[str, Any],
    raw: bytes,
    keys: dict[str, Ed25519PublicKey],
    problems: list[Problem],
) -> bool:
    """Whether manifest.sig is a signature of ``raw`` by one of ``keys``; if not, why."""
    try:
        sig_raw = (directory / SIGNATURE).read_bytes()
    except OSError as exc:
        unread = unreadable(directory / SIGNATURE, exc)
        why = f"{unread.detail}: nothing vouches for {MANIFEST} or the files it lists"
        problems.append(dataclasses.replace(unread, detail=why))
        return False
    try:
        signature = base64.b64decode(sig_raw.removesuffix(b"\n"), validate=True)
    except (ValueError, binascii.Error):
        signature = b""
    if len(signature) != _SIGNATURE_BYTES or signature_file(signature) != sig_raw:
        problems.append(
            Problem(
                CHANGED,
                "export",
                SIGNATURE,
                "is not an Ed25519 signature written as the export writes one (base64, one line)",
            )
        )
        return False
    key = keys.get(str(manifest.get("key_id")))
    if key is None:
        problems.append(
            Problem.because(FORGED, "export", MANIFEST, "unknown_key", key=manifest.get("key_id"))
        )
        return False
    if not domain.signature_valid(key, signature, raw):
        problems.append(Problem.because(FORGED, "export", MANIFEST, "bad_signature"))
        return False
    return True


def check_files(directory: Path, manifest: dict[str, Any]) -> tuple[list[Problem], list[str]]:
    """The data files that are missing or cannot be read, and the names of those whose bytes
    are not the ones the manifest lists (with what is wrong with the list, if it is)."""
    listed = manifest.get("files")
    well_listed = isinstance(listed, dict) and set(listed) == set(DATA_FILES)
    if not isinstance(listed, dict):
        listed = {}
    unread: list[Problem] = []
    differ: list[str] = []
    for name in DATA_FILES:
        try:
            digest = file_digest(directory / name)
        except OSError as exc:
            unread.append(unreadable(directory / name, exc))
            continue
        if well_listed and digest != listed[name]:
            differ.append(name)
    if not well_listed:
        unread.append(Problem(CHANGED, "export", MANIFEST, "does not list the export files"))
    return unread, differ


def differs(name: str, *, signed: bool, first: Problem | None = None) -> Problem:
    """A file whose bytes are not the ones the manifest lists; ``first``: what the log check of
    the export as it now is finds first, said with it."""
    if not signed:
        return Problem(CHANGED, "export", name, f"its bytes differ from those {MANIFEST} lists")
    detail = (
        "its bytes differ from the signed manifest: the file was changed or damaged after the "
        "export was made"
    )
    if first is not None:
        detail += f"; the export as it now is shows first: {first}"
    return Problem(CHANGED, "export", name, detail)


def retired_keys(manifest: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    keys: dict[str, Ed25519PublicKey] = {}
    for key_id, pem in manifest.get("retired_keys", {}).items():
        try:
            key = domain.load_public_key_pem(pem.encode("ascii"))
        except ValueError as exc:
            problems.append(Problem(CHANGED, "export", MANIFEST, f"retired key {key_id}: {exc}"))
            continue
        if domain.key_id(key) != key_id:
            problems.append(
                Problem(CHANGED, "export", MANIFEST, f"retired key {key_id} has another id")
            )
            continue
        keys[key_id] = key
    return keys
