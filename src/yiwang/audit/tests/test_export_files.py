"""An export that is damaged or altered names the file first, and what is wrong with it; an
export's files are its owner's only."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from yiwang.audit import offline
from yiwang.audit.export import export_log
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import seal
from yiwang.cli import app

runner = CliRunner()


@pytest.fixture
def exported(make_events: Callable[..., list[AuditEvent]], tmp_path: Path) -> Path:
    make_events(3)
    seal()
    make_events(2)
    seal()
    make_events(1, action="test.not_sealed_yet")
    directory = tmp_path / "export"
    export_log(directory)
    return directory


def _verify(directory: Path) -> Result:
    return runner.invoke(app, ["audit", "verify", "--export", str(directory)])


def _lines(path: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(b"".join(change(path.read_bytes().splitlines(keepends=True))))


def _garble(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 this is no JSON\n\x00\x01\x02\n")


def _cut_midway(path: Path) -> None:
    """A copy that stopped part of the way through: the last line is cut short."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + lines[3][:40])


def _not_utf8(path: Path) -> None:
    _lines(path, lambda lines: [lines[0], b"\xff" + lines[1], *lines[2:]])


def _into_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


# What is done to which file; the whole line printed (a prefix of it where it goes on).
DAMAGE: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("events missing", Path.unlink, offline.EVENTS, "export events.jsonl removed: file is missing"),
    ("leaves missing", Path.unlink, offline.LEAVES, "export leaves.jsonl removed: file is missing"),
    (
        "checkpoints missing",
        Path.unlink,
        offline.CHECKPOINTS,
        "export checkpoints.jsonl removed: file is missing",
    ),
    (
        "public key missing",
        Path.unlink,
        offline.PUBLIC_KEY,
        "export public_key.pem removed: file is missing",
    ),
    (
        "manifest missing",
        Path.unlink,
        offline.MANIFEST,
        "export manifest.json removed: file is missing",
    ),
    (
        "signature missing",
        Path.unlink,
        offline.SIGNATURE,
        "export manifest.sig removed: file is missing: nothing vouches for manifest.json or the "
        "files it lists",
    ),
    (
        "signature garbled",
        _garble,
        offline.SIGNATURE,
        "export manifest.sig changed: is not an Ed25519 signature written as the export writes "
        "one (base64, one line)",
    ),
    (
        "leaves garbled",
        _garble,
        offline.LEAVES,
        "export leaves.jsonl changed: line 1 is not a JSON object, as every line must be "
        "(Expecting value: character 1) (and ",
    ),
    (
        "events cut midway",
        _cut_midway,
        offline.EVENTS,
        "export events.jsonl changed: line 4 is not a JSON object, as every line must be "
        "(Unterminated string starting at: character ",
    ),
    (
        "events not UTF-8",
        _not_utf8,
        offline.EVENTS,
        "export events.jsonl changed: line 2 is not a JSON object, as every line must be "
        "(byte 1 is not UTF-8) (and ",
    ),
    (
        "events a directory",
        _into_directory,
        offline.EVENTS,
        "export events.jsonl removed: cannot be read (Is a directory)",
    ),
    # Bytes changed where the log check sees nothing: only the signed digest tells.
    (
        "events reformatted",
        lambda p: _lines(p, lambda lines: [lines[0].replace(b'","', b'", "', 1), *lines[1:]]),
        offline.EVENTS,
        "export events.jsonl changed: its bytes differ from the signed manifest: the file was "
        "changed or damaged after the export was made",
    ),
    (
        "checkpoints with a blank line",
        lambda p: _lines(p, lambda lines: [*lines, b"\n"]),
        offline.CHECKPOINTS,
        "export checkpoints.jsonl changed: line 3 is not a JSON object, as every line must be "
        "(it is empty)",
    ),
]


@pytest.mark.parametrize(
    ("damage", "name", "line"), [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE]
)
def test_a_damaged_export_names_the_file_first(
    exported: Path, damage: Callable[[Path], None], name: str, line: str
) -> None:
    assert _verify(exported).exit_code == 0
    damage(exported / name)

    result = _verify(exported)

    assert result.exit_code == 1, result.output
    assert result.stdout.startswith(f"FAIL: {line}"), result.stdout


def test_a_missing_file_is_all_that_is_said(exported: Path) -> None:
    """What the log check would make of a file gone is only what its absence causes."""
    (exported / offline.EVENTS).unlink()
    report = offline.verify_export(exported)
    assert report.summary() == "FAIL: export events.jsonl removed: file is missing"


def test_a_file_changed_after_the_export_is_named_with_what_it_shows(exported: Path) -> None:
    path = exported / offline.EVENTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[1])
    row["actor_label"] = "someone else"
    lines[1] = offline.json_line(row)
    path.write_text("".join(lines), encoding="utf-8")

    result = _verify(exported)

    assert result.exit_code == 1
    assert result.stdout.startswith(
        "FAIL: export events.jsonl changed: its bytes differ from the signed manifest: the file "
        "was changed or damaged after the export was made; the export as it now is shows first: "
        f"event {row['id']} changed (action test.something_done at {row['created_at']}): its "
        "content no longer matches what was sealed at position 1"
    ), result.stdout


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (lambda lines: [*lines[:1], lines[2], lines[1], *lines[3:]], "reordered: line 3 of"),
        (lambda lines: [*lines[:2], lines[1], *lines[2:]], "inserted: line 3 of"),
    ],
)
def test_lines_moved_after_the_export_name_the_file_then_the_lines(
    exported: Path, change: Callable[[list[bytes]], list[bytes]], shows: str
) -> None:
    _lines(exported / offline.LEAVES, change)
    report = offline.verify_export(exported)
    assert report.problem is not None
    assert (report.problem.subject, report.problem.ref) == ("export", offline.LEAVES)
    assert f"shows first: leaf 1 {shows} leaves.jsonl" in report.problem.detail


def test_the_last_event_cut_names_the_file_from_the_signed_counts(exported: Path) -> None:
    _lines(exported / offline.EVENTS, lambda lines: lines[:-1])
    result = _verify(exported)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "FAIL: export events.jsonl removed: events listed in the signed manifest: 6; in the "
        "file: 5 (and 1 more problem)"
    ), result.stdout


def test_a_log_altered_before_the_export_still_names_the_event(
    make_events: Callable[..., list[AuditEvent]],
    attacker: Callable[..., None],
    tmp_path: Path,
) -> None:
    """Tampering stays tampering: the export's files are what was signed, the log is not."""
    events = make_events(3)
    seal()
    attacker(
        "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [events[1].pk]
    )
    export_log(tmp_path / "export")
    result = _verify(tmp_path / "export")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"FAIL: event {events[1].pk} changed (action "), result.stdout


def test_a_manifest_signed_by_another_key_is_named_first(exported: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from yiwang.audit import domain

    stranger = exported.parent / "stranger.pem"
    stranger.write_text(domain.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    result = runner.invoke(
        app, ["audit", "verify", "--export", str(exported), "--public-key", str(stranger)]
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("FAIL: export manifest.json forged: signed by an unknown key")


# --- Who may read an export ------------------------------------------------------------------
@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


EXPORT_FILES = (*offline.DATA_FILES, offline.MANIFEST, offline.SIGNATURE)


@pytest.mark.usefixtures("umask_022")
def test_an_export_is_readable_by_its_owner_only(
    make_events: Callable[..., list[AuditEvent]], tmp_path: Path
) -> None:
    make_events(2)
    seal()
    target = tmp_path / "archive" / "audit-export"
    result = runner.invoke(app, ["audit", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert _mode(target) == 0o700
    assert sorted(p.name for p in target.iterdir()) == sorted(EXPORT_FILES)
    assert {name: _mode(target / name) for name in EXPORT_FILES} == dict.fromkeys(
        EXPORT_FILES, 0o600
    )
    assert _verify(target).exit_code == 0


@pytest.mark.usefixtures("umask_022")
def test_an_existing_empty_directory_keeps_its_mode_but_the_files_are_private(
    make_events: Callable[..., list[AuditEvent]], tmp_path: Path
) -> None:
    make_events(1)
    target = tmp_path / "given"
    target.mkdir(mode=0o750)
    target.chmod(0o750)
    export_log(target)
    assert _mode(target) == 0o750
    assert {_mode(target / name) for name in EXPORT_FILES} == {0o600}
