from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.audit import domain, offline
from yiwang.audit.export import ExportError, export_log
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import seal
from yiwang.audit.tests.export_helpers import resign

SRC = Path(__file__).resolve().parents[3]


@pytest.fixture
def exported(make_events: Callable[..., list[AuditEvent]], tmp_path: Path) -> Path:
    make_events(5)
    seal()
    make_events(3)
    seal()
    make_events(2, action="test.not_sealed_yet")
    directory = tmp_path / "export"
    export_log(directory)
    return directory


def test_export_verifies_offline(exported: Path) -> None:
    report = offline.verify_export(exported)
    assert report.ok, report.summary()
    assert report.summary() == "OK: 10 events, 8 sealed, 2 awaiting seal, 2 checkpoints"
    assert "compare it with the key the platform publishes" in report.notes[0]
    manifest = offline.read_manifest(exported)
    assert manifest["counts"] == {"events": 10, "leaves": 8, "checkpoints": 2}
    assert manifest["tree_size"] == 8
    lines = (exported / offline.EVENTS).read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["data"] == '{"n":0,"note":"例子"}'
    assert set(first) == {"id", *domain.EVENT_FIELDS}


def test_export_is_itself_recorded(exported: Path) -> None:
    assert AuditEvent.objects.filter(action="audit.log_exported").count() == 1


def test_every_single_byte_change_fails(exported: Path, tmp_path: Path) -> None:
    files = [*offline.DATA_FILES, offline.MANIFEST, offline.SIGNATURE]
    for name in files:
        size = (exported / name).stat().st_size
        for offset in sorted({0, 1, size // 3, size // 2, size - 2, size - 1}):
            copy = tmp_path / f"copy-{name}-{offset}"
            shutil.copytree(exported, copy)
            data = bytearray((copy / name).read_bytes())
            data[offset] = data[offset] ^ 0x01 if data[offset] != 0x0A else 0x20
            (copy / name).write_bytes(bytes(data))
            report = offline.verify_export(copy)
            assert not report.ok, f"changing byte {offset} of {name} went unnoticed"


def test_changed_exported_event_is_named(exported: Path, signing_key: Ed25519PrivateKey) -> None:
    path = exported / offline.EVENTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[3])
    row["action"] = "test.something_else"
    lines[3] = offline.json_line(row)
    path.write_text("".join(lines), encoding="utf-8")
    # Changed after the export: the file is named first, with the event it shows changed.
    report = offline.verify_export(exported)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("changed", offline.EVENTS)
    assert f"shows first: event {row['id']} changed" in report.problem.detail
    # Changed before the platform signed the export: the event itself.
    resign(exported, signing_key)
    report = offline.verify_export(exported)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("changed", str(row["id"]))


def _rewrite(
    directory: Path,
    name: str,
    change: Callable[[list[str]], list[str]],
    key: Ed25519PrivateKey,
) -> list[Any]:
    """Rewrite one export file's lines and sign the files as they now are (so that the lines,
    not the file, are named); the rows as they were, parsed."""
    path = directory / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")
    resign(directory, key)
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize(
    ("name", "change", "kind", "row", "key", "detail"),
    [
        # Two sealed events swapped: the one found after a later one is named.
        (
            offline.EVENTS,
            lambda lines: [*lines[:2], lines[3], lines[2], *lines[4:]],
            "reordered",
            2,
            "id",
            "line 4 of events.jsonl comes after event",
        ),
        # Two events not yet sealed swapped: only the order can tell.
        (
            offline.EVENTS,
            lambda lines: [*lines[:8], lines[9], lines[8]],
            "reordered",
            8,
            "id",
            "line 10 of events.jsonl comes after event",
        ),
        (
            offline.EVENTS,
            lambda lines: [*lines[:4], lines[3], *lines[4:]],
            "inserted",
            3,
            "id",
            "line 5 of events.jsonl repeats it",
        ),
        (
            offline.LEAVES,
            lambda lines: [*lines[:2], lines[3], lines[2], *lines[4:]],
            "reordered",
            2,
            "leaf_index",
            "line 4 of leaves.jsonl comes after leaf",
        ),
        # The last event line gone, unsealed: only the signed manifest's count tells.
        (
            offline.EVENTS,
            lambda lines: lines[:-1],
            "removed",
            None,
            offline.EVENTS,
            "events listed in the signed manifest: 10; in the file: 9",
        ),
        (
            offline.CHECKPOINTS,
            lambda lines: lines[1:],
            "removed",
            None,
            offline.CHECKPOINTS,
            "checkpoints listed in the signed manifest: 2; in the file: 1",
        ),
        # The last checkpoint line gone: the leaves it signed are not "inserted".
        (
            offline.CHECKPOINTS,
            lambda lines: lines[:-1],
            "removed",
            1,
            "tree_size",
            "the signed manifest names it the export's last checkpoint",
        ),
        # The last leaf line gone: the leaf is named, not the checkpoint that signs it.
        (
            offline.LEAVES,
            lambda lines: lines[:-1],
            "removed",
            7,
            "leaf_index",
            "missing at the end of the log",
        ),
    ],
)
def test_lines_moved_or_missing_are_named(
    exported: Path,
    name: str,
    change: Callable[[list[str]], list[str]],
    kind: str,
    row: int | None,
    key: str,
    detail: str,
    signing_key: Ed25519PrivateKey,
) -> None:
    rows = _rewrite(exported, name, change, signing_key)

    report = offline.verify_export(exported)

    assert report.problem is not None
    ref = key if row is None else str(rows[row][key])  # a file, or a record in one
    assert (report.problem.kind, report.problem.ref) == (kind, ref)
    assert detail in report.problem.detail


def test_only_the_given_public_key_is_trusted(
    exported: Path, tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    stranger = tmp_path / "stranger.pem"
    stranger.write_text(domain.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    report = offline.verify_export(exported, public_key_pems=[stranger.read_bytes()])
    assert report.problem is not None and report.problem.kind == "forged"
    genuine = domain.public_key_pem(signing_key.public_key()).encode("ascii")
    report = offline.verify_export(exported, public_key_pems=[genuine])
    assert report.ok and report.notes == []


def test_export_refuses_a_directory_with_files(exported: Path) -> None:
    with pytest.raises(ExportError, match="not an empty directory"):
        export_log(exported)


def test_offline_verification_needs_neither_django_nor_a_database(exported: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "YIWANG_"))} | {
        "YIWANG_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "PYTHONPATH": str(SRC),
    }
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from yiwang.audit.offline import verify_export\n"
        f"report = verify_export(Path({str(exported)!r}))\n"
        "assert 'django' not in sys.modules, 'offline verification imported Django'\n"
        "print(report.summary())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 10 events")
    cli = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "audit", "verify", "--export", str(exported)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith("OK: 10 events")


def test_large_payloads_round_trip(db: Any, tmp_path: Path) -> None:
    from yiwang.audit.actors import SYSTEM
    from yiwang.audit.services import record_event

    record_event(actor=SYSTEM, action="test.big", data={"text": '数据\u2028\t"\\' * 500})
    seal()
    export_log(tmp_path / "e")
    assert offline.verify_export(tmp_path / "e").ok


def test_export_carries_retired_keys_so_checkpoints_signed_before_a_rotation_verify(
    make_events: Callable[..., list[AuditEvent]],
    tmp_path: Path,
    settings: Any,
    signing_key: Ed25519PrivateKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cryptography.hazmat.primitives import serialization

    from yiwang.audit import keys

    monkeypatch.setenv("YIWANG_DATA_DIR", str(tmp_path / "data"))
    make_events(3)
    seal()
    # The operator rotates the key and keeps trusting the old one, as the guide says.
    trusted = tmp_path / "data" / keys.TRUSTED_KEYS_DIR
    trusted.mkdir(parents=True)
    (trusted / "old.pem").write_text(domain.public_key_pem(signing_key.public_key()))
    settings.YIWANG_AUDIT_SIGNING_KEY = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
    make_events(2)
    seal()
    export_log(tmp_path / "export")
    report = offline.verify_export(tmp_path / "export")
    assert report.ok, report.summary()
    assert report.checkpoints == 2
    # Trusting only the new key (as published) still takes the old one it vouched for.
    published = (tmp_path / "export" / offline.PUBLIC_KEY).read_bytes()
    assert offline.verify_export(tmp_path / "export", public_key_pems=[published]).ok


def test_export_names_a_retired_key_file_it_cannot_read(
    make_events: Callable[..., list[AuditEvent]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YIWANG_DATA_DIR", str(tmp_path / "data"))
    make_events(1)
    trusted = tmp_path / "data" / "audit_trusted_keys"
    trusted.mkdir(parents=True)
    (trusted / "2025.pem").write_text(
        "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"
    )
    with pytest.raises(ExportError, match=r"2025\.pem is not an Ed25519 public key"):
        export_log(tmp_path / "export")


def test_export_into_a_place_that_cannot_be_written_is_refused(db: Any) -> None:
    with pytest.raises(ExportError, match="cannot write into /proc/yiwang-export"):
        export_log(Path("/proc/yiwang-export"))


def _rewrite_manifest(directory: Path, change: Callable[[Any], Any]) -> None:
    path = directory / offline.MANIFEST
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


@pytest.mark.parametrize(
    "change",
    [
        lambda m: [1],
        lambda m: 5,
        lambda m: {**m, "counts": []},
        lambda m: {**m, "counts": {"events": "x", "leaves": 1, "checkpoints": 1}},
        lambda m: {**m, "max_transaction_seconds": None},
        lambda m: {**m, "max_transaction_seconds": 10**12},
        lambda m: {**m, "retired_keys": ["x"]},
    ],
)
def test_a_manifest_of_the_wrong_shape_fails_with_a_reason(
    exported: Path, change: Callable[[Any], Any]
) -> None:
    _rewrite_manifest(exported, change)
    report = offline.verify_export(exported)
    assert report.problem is not None
    assert (report.problem.subject, report.problem.ref) == ("export", offline.MANIFEST)
    assert offline.expected_rows(exported) >= 0  # what the progress bar reads never fails


def test_a_public_key_of_an_unknown_algorithm_fails_with_a_reason(exported: Path) -> None:
    pem = (exported / offline.PUBLIC_KEY).read_bytes()
    for offset in range(30, 40):  # the algorithm's identifier, in base64
        data = bytearray(pem)
        data[offset] ^= 0x01
        (exported / offline.PUBLIC_KEY).write_bytes(bytes(data))
        report = offline.verify_export(exported)
        assert report.problem is not None
        assert report.problem.ref == offline.PUBLIC_KEY


def test_a_line_nested_too_deep_to_read_fails_with_a_reason(exported: Path) -> None:
    with (exported / offline.EVENTS).open("a") as fh:
        fh.write("[" * 100_000 + "\n")
    report = offline.verify_export(exported)
    assert report.problem is not None
    assert report.problem.subject == "export"


def test_a_missing_public_key_file_fails_even_with_a_key_given(exported: Path) -> None:
    published = (exported / offline.PUBLIC_KEY).read_bytes()
    (exported / offline.PUBLIC_KEY).unlink()
    report = offline.verify_export(exported, public_key_pems=[published])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("removed", offline.PUBLIC_KEY)
