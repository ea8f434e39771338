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


def test_changed_exported_event_is_named(exported: Path) -> None:
    path = exported / offline.EVENTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[3])
    row["action"] = "test.something_else"
    lines[3] = offline.json_line(row)
    path.write_text("".join(lines), encoding="utf-8")
    report = offline.verify_export(exported)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("changed", str(row["id"]))


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
