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
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from yiwang.audit import domain
from yiwang.audit.report import CHANGED, FORGED, REMOVED, Problem, Report
from yiwang.audit.streams import CheckpointRecord
from yiwang.audit.verifier import Verifier

FORMAT = "yiwang-audit-export/1"
EVENTS = "events.jsonl"
LEAVES = "leaves.jsonl"
CHECKPOINTS = "checkpoints.jsonl"
PUBLIC_KEY = "public_key.pem"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATA_FILES = (EVENTS, LEAVES, CHECKPOINTS, PUBLIC_KEY)
_SIGNATURE_BYTES = 64  # an Ed25519 signature


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


# --- Reading ---------------------------------------------------------------------------------
class _Reader:
    """Streams one JSON Lines file, remembering the first line it could not understand."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def rows(self) -> Iterator[dict[str, Any]]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            self.problems.append(_unreadable(self.path, exc))
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


def _unreadable(path: Path, exc: OSError) -> Problem:
    """A file of the export that is not there, or cannot be read."""
    if isinstance(exc, FileNotFoundError):
        return Problem(REMOVED, "export", path.name, "file is missing")
    return Problem(REMOVED, "export", path.name, f"cannot be read ({exc.strerror or exc})")


def _out_of_order(
    subject: str, number: int, previous: int | None, row: dict[str, Any], file: str
) -> Problem | None:
    """A row whose number does not follow the previous row's in its file: an export writes
    events in increasing id order and leaves in increasing position order, so a line that
    repeats one is *inserted* and a line that comes before an earlier one was *reordered*."""
    if previous is None or number > previous:
        return None
    where = f"line {row.get('_line', '?')} of {file}"
    if number == previous:
        return Problem("inserted", subject, str(number), f"{where} repeats it")
    order = "id" if subject == "event" else "position"
    return Problem(
        "reordered",
        subject,
        str(number),
        f"{where} comes after {subject} {previous}; an export lists them in increasing {order} "
        "order",
    )


def _events(reader: _Reader, order: list[Problem]) -> Iterator[tuple[int, str | None]]:
    previous: int | None = None
    for row in reader.rows():
        event_id = row.get("id")
        if not isinstance(event_id, int):
            reader.bad(row, "event without an integer id")
            continue
        misplaced = _out_of_order("event", event_id, previous, row, EVENTS)
        if misplaced is not None:
            order.append(misplaced)
        previous = event_id if previous is None else max(previous, event_id)
        fields = [row.get(name) for name in domain.EVENT_FIELDS]
        if all(isinstance(f, str) for f in fields):
            yield event_id, domain.event_text(fields)  # type: ignore[arg-type]  # checked above
        else:
            yield event_id, None


def _leaves(reader: _Reader, order: list[Problem]) -> Iterator[tuple[int, int, bytes]]:
    previous: int | None = None
    for row in reader.rows():
        try:
            index, event_id = row["leaf_index"], row["event_id"]
            digest = bytes.fromhex(row["content_hash"])
            if not isinstance(index, int) or not isinstance(event_id, int):
                raise TypeError("positions and ids are integers")
        except (KeyError, TypeError, ValueError) as exc:
            reader.bad(row, f"unreadable leaf ({exc})")
            continue
        misplaced = _out_of_order("leaf", index, previous, row, LEAVES)
        if misplaced is not None:
            order.append(misplaced)
        previous = index if previous is None else max(previous, index)
        yield index, event_id, digest


def _checkpoints(reader: _Reader) -> Iterator[CheckpointRecord]:
    for row in reader.rows():
        try:
            record = CheckpointRecord(
                tree_size=int(row["tree_size"]),
                root=bytes.fromhex(row["root"]),
                timestamp=str(row["timestamp"]),
                key_id=str(row["key_id"]),
                signature=base64.b64decode(row["signature"], validate=True),
                frontier=b"".join(bytes.fromhex(h) for h in row["frontier"]),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            reader.bad(row, f"unreadable checkpoint ({exc})")
            continue
        yield record


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


def _check_manifest(
    directory: Path, keys: dict[str, Ed25519PublicKey], problems: list[Problem]
) -> tuple[dict[str, Any] | None, bool]:
    """The manifest, if it can be used at all, and whether one of ``keys`` signed it."""
    try:
        raw = (directory / MANIFEST).read_bytes()
    except OSError as exc:
        problems.append(_unreadable(directory / MANIFEST, exc))
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
        unread = _unreadable(directory / SIGNATURE, exc)
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


def _check_files(directory: Path, manifest: dict[str, Any]) -> tuple[list[Problem], list[str]]:
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
            unread.append(_unreadable(directory / name, exc))
            continue
        if well_listed and digest != listed[name]:
            differ.append(name)
    if not well_listed:
        unread.append(Problem(CHANGED, "export", MANIFEST, "does not list the export files"))
    return unread, differ


def _differs(name: str, *, signed: bool, first: Problem | None = None) -> Problem:
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


class EarlierExportError(ValueError):
    """An earlier export given to compare with cannot vouch for anything; the message says why."""


def earlier_checkpoints(
    directory: Path, keys: dict[str, Ed25519PublicKey]
) -> list[CheckpointRecord]:
    """The checkpoints of an earlier export, each signed by one of ``keys`` (or a key retired
    before that export, vouched for by its manifest); EarlierExportError if any is not, or if
    the export itself does not hold: its manifest not signed by one of ``keys``, or a file it
    lists missing, unreadable or not the bytes it lists."""
    if not is_export(directory):
        raise EarlierExportError(
            f"the earlier export {directory} is not an audit export: it holds none of the files "
            f"`yiwang audit export` writes ({MANIFEST}, {EVENTS}, …)"
        )
    problems: list[Problem] = []
    manifest, signed = _check_manifest(directory, keys, problems)
    if manifest is not None:
        unread, differ = _check_files(directory, manifest)
        problems += [*unread, *(_differs(name, signed=signed) for name in differ)]
        if signed:
            keys = {**_retired_keys(manifest, problems), **keys}
    records = [] if problems else list(_checkpoints(_Reader(directory / CHECKPOINTS, problems)))
    if problems:
        first = problems[0]
        raise EarlierExportError(
            f"the earlier export {directory} does not verify, so it cannot be compared with: "
            f"{directory / first.ref} {first.kind}: {first.detail}"
        )
    for cp in records:
        key = keys.get(cp.key_id)
        body = domain.checkpoint_body(
            tree_size=cp.tree_size, root=cp.root, timestamp=cp.timestamp, key_id=cp.key_id
        )
        if key is None or not domain.signature_valid(key, cp.signature, body):
            raise EarlierExportError(
                f"checkpoint {cp.tree_size} of the earlier export {directory} is not signed by a "
                "trusted key, so it cannot be compared with"
            )
    return records


def _retired_keys(manifest: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
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


def _failed(problems: list[Problem], notes: list[str]) -> Report:
    report = Report(notes=notes)
    for problem in problems:
        report.add(problem)
    return report


def verify_export(
    directory: Path,
    *,
    public_key_pems: list[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    earlier: Path | None = None,
) -> Report:
    """Verify an export directory. With ``public_key_pems`` given, only those keys are trusted;
    otherwise the key shipped in the export is used and the report says so. With ``earlier``
    (an older export), every checkpoint it holds must still be in this one, unchanged.

    What is wrong with the export's files comes first: a file missing or unreadable, a line
    that is not JSON, a signature missing or not signing the manifest, a file whose bytes are
    not the ones the signed manifest lists. Then what the log check finds."""
    problems: list[Problem] = []
    notes: list[str] = []
    keys: dict[str, Ed25519PublicKey] = {}
    if public_key_pems:
        for pem in public_key_pems:
            key = domain.load_public_key_pem(pem)
            keys[domain.key_id(key)] = key
    else:
        try:
            key = domain.load_public_key_pem((directory / PUBLIC_KEY).read_bytes())
        except OSError as exc:
            return _failed([_unreadable(directory / PUBLIC_KEY, exc)], notes)
        except ValueError as exc:
            problem = Problem(CHANGED, "export", PUBLIC_KEY, f"is not a public key ({exc})")
            return _failed([problem], notes)
        keys[domain.key_id(key)] = key
        notes.append(
            f"checked with the key in the export ({domain.key_id(key)}); compare it with the key "
            "the platform publishes at /.well-known/yiwang/audit-key"
        )
    manifest, signed = _check_manifest(directory, keys, problems)
    if manifest is None:
        return _failed(problems, notes)
    unread, differ = _check_files(directory, manifest)
    if any(problem.kind == REMOVED for problem in unread):
        # A file gone: what the log check would find is only what its absence causes.
        return _failed([*unread, *problems], notes)
    problems += unread
    if signed:
        # Keys retired before the export, vouched for by the key that signed the manifest.
        keys.update(_retired_keys(manifest, problems))
    verifier = Verifier(
        public_keys=keys,
        max_transaction_seconds=manifest["max_transaction_seconds"],
        progress=progress,
        earlier=earlier_checkpoints(earlier, keys) if earlier is not None else (),
    )
    # Lines out of order are named first: the verifier, reading them in file order, would see
    # only what they cause (a sealed event missing at its position, say).
    order: list[Problem] = []
    sizes: list[int] = []
    report = verifier.run(
        leaves=_leaves(_Reader(directory / LEAVES, problems), order),
        events=_events(_Reader(directory / EVENTS, problems), order),
        checkpoints=_noting_sizes(_checkpoints(_Reader(directory / CHECKPOINTS, problems)), sizes),
    )
    gone = _last_checkpoint_gone(manifest, sizes) if signed else None
    if gone is not None:
        # The verifier sees only what it causes: the entries it signed, past the last checkpoint.
        order.insert(0, gone)
    if order:
        report.problem = order[0]
        report.problems += len(order)
    report.notes.extend(notes)
    # Lines gone from (or added to) the end of a file, where nothing after them tells.
    counted = _count_problems(manifest["counts"], report) if report.ok else []
    found, found_count = report.problem, report.problems
    report.problem, report.problems = None, 0
    if signed:
        # A file that is not what the platform signed is named first, with what it now shows:
        # the copy was damaged or altered, which says nothing about the platform's log.
        first = [_differs(name, signed=True, first=found) for name in differ[:1]]
        later: list[Problem] = []
        problems += [*counted, *first, *(_differs(name, signed=True) for name in differ[1:])]
    else:
        later = [*counted, *(_differs(name, signed=False) for name in differ)]
    for problem in problems:
        report.add(problem)
    if found is not None:
        report.problem = report.problem or found
        report.problems += found_count
    for problem in later:
        report.add(problem)
    return report


def _noting_sizes(
    records: Iterator[CheckpointRecord], sizes: list[int]
) -> Iterator[CheckpointRecord]:
    for record in records:
        sizes.append(record.tree_size)
        yield record


def _last_checkpoint_gone(manifest: dict[str, Any], sizes: list[int]) -> Problem | None:
    """The export's last checkpoint, named by the signed manifest, if its line is gone."""
    last = manifest.get("tree_size")
    if not isinstance(last, int) or last <= 0 or last in sizes:
        return None
    if len(sizes) >= manifest["counts"]["checkpoints"]:
        return None  # no line missing: one was changed, and the verifier says so
    return Problem(
        "removed",
        "checkpoint",
        str(last),
        f"the signed manifest names it the export's last checkpoint, but {CHECKPOINTS} does not "
        "hold it",
    )


def _count_problems(counts: dict[str, int], report: Report) -> list[Problem]:
    found = {"events": report.events, "leaves": report.tree_size, "checkpoints": report.checkpoints}
    files = {"events": EVENTS, "leaves": LEAVES, "checkpoints": CHECKPOINTS}
    return [
        Problem(
            REMOVED if found[name] < counts[name] else "inserted",
            "export",
            files[name],
            f"{name} listed in the signed manifest: {counts[name]}; in the file: {found[name]}",
        )
        for name in ("events", "leaves", "checkpoints")
        if found[name] != counts[name]
    ]
