"""Verifying the exported log from what was read: events, leaves, checkpoints, an earlier export."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from yiwang.audit import domain
from yiwang.audit.offline.files import (
    Reader,
    check_files,
    check_manifest,
    differs,
    is_export,
    retired_keys,
    unreadable,
)
from yiwang.audit.offline.layout import CHECKPOINTS, EVENTS, LEAVES, MANIFEST, PUBLIC_KEY
from yiwang.audit.report import CHANGED, REMOVED, Problem, Report
from yiwang.audit.streams import CheckpointRecord
from yiwang.audit.verifier import Verifier


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


def _events(reader: Reader, order: list[Problem]) -> Iterator[tuple[int, str | None]]:
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


def _leaves(reader: Reader, order: list[Problem]) -> Iterator[tuple[int, int, bytes]]:
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


def _checkpoints(reader: Reader) -> Iterator[CheckpointRecord]:
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
    manifest, signed = check_manifest(directory, keys, problems)
    if manifest is not None:
        unread, differ = check_files(directory, manifest)
        problems += [*unread, *(differs(name, signed=signed) for name in differ)]
        if signed:
            keys = {**retired_keys(manifest, problems), **keys}
    records = [] if problems else list(_checkpoints(Reader(directory / CHECKPOINTS, problems)))
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
            return _failed([unreadable(directory / PUBLIC_KEY, exc)], notes)
        except ValueError as exc:
            problem = Problem(CHANGED, "export", PUBLIC_KEY, f"is not a public key ({exc})")
            return _failed([problem], notes)
        keys[domain.key_id(key)] = key
        notes.append(
            f"checked with the key in the export ({domain.key_id(key)}); compare it with the key "
            "the platform publishes at /.well-known/yiwang/audit-key"
        )
    manifest, signed = check_manifest(directory, keys, problems)
    if manifest is None:
        return _failed(problems, notes)
    unread, differ = check_files(directory, manifest)
    if any(problem.kind == REMOVED for problem in unread):
        # A file gone: what the log check would find is only what its absence causes.
        return _failed([*unread, *problems], notes)
    problems += unread
    if signed:
        # Keys retired before the export, vouched for by the key that signed the manifest.
        keys.update(retired_keys(manifest, problems))
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
        leaves=_leaves(Reader(directory / LEAVES, problems), order),
        events=_events(Reader(directory / EVENTS, problems), order),
        checkpoints=_noting_sizes(_checkpoints(Reader(directory / CHECKPOINTS, problems)), sizes),
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
        first = [differs(name, signed=True, first=found) for name in differ[:1]]
        later: list[Problem] = []
        problems += [*counted, *first, *(differs(name, signed=True) for name in differ[1:])]
    else:
        later = [*counted, *(differs(name, signed=False) for name in differ)]
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
