"""An earlier export given to compare with must itself hold: its files those its signed manifest
lists, every one of them there. One that does not is refused with exit status 2, naming the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner, Result

from yiwang.audit import domain, offline
from yiwang.audit.export import export_log
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import seal
from yiwang.cli import app

runner = CliRunner()


@pytest.fixture
def exports(make_events: Callable[..., list[AuditEvent]], tmp_path: Path) -> tuple[Path, Path]:
    """An earlier export and a later one of the same, grown, log."""
    make_events(3)
    seal()
    make_events(2)
    seal()
    make_events(1, action="test.not_sealed_yet")
    earlier = tmp_path / "earlier"
    export_log(earlier)
    make_events(2)
    seal()
    later = tmp_path / "later"
    export_log(later)
    return earlier, later


def _verify(*args: Path | str) -> Result:
    return runner.invoke(app, ["audit", "verify", *map(str, args)])


def _lines(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def _edit_event(directory: Path) -> None:
    def change(lines: list[str]) -> list[str]:
        row = json.loads(lines[1])
        row["actor_label"] = "someone else"
        return [lines[0], offline.json_line(row), *lines[2:]]

    _lines(directory / offline.EVENTS, change)


def _edit_manifest(directory: Path) -> None:
    manifest = offline.read_manifest(directory)
    manifest["counts"]["events"] += 1
    (directory / offline.MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


DAMAGE: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("event edited", _edit_event, offline.EVENTS, "changed: its bytes differ from the signed"),
    (
        "leaves deleted",
        lambda d: (d / offline.LEAVES).unlink(),
        offline.LEAVES,
        "removed: file is missing",
    ),
    (
        "last event cut",
        lambda d: _lines(d / offline.EVENTS, lambda lines: lines[:-1]),
        offline.EVENTS,
        "changed: its bytes differ from the signed manifest",
    ),
    (
        "first event cut",
        lambda d: _lines(d / offline.EVENTS, lambda lines: lines[1:]),
        offline.EVENTS,
        "changed: its bytes differ from the signed manifest",
    ),
    (
        "events deleted",
        lambda d: (d / offline.EVENTS).unlink(),
        offline.EVENTS,
        "removed: file is missing",
    ),
    (
        "garbage after the checkpoints",
        lambda d: _lines(d / offline.CHECKPOINTS, lambda lines: [*lines, "garbage\n"]),
        offline.CHECKPOINTS,
        "changed: its bytes differ from the signed manifest",
    ),
    (
        "public key deleted",
        lambda d: (d / offline.PUBLIC_KEY).unlink(),
        offline.PUBLIC_KEY,
        "removed: file is missing",
    ),
    (
        "signature deleted",
        lambda d: (d / offline.SIGNATURE).unlink(),
        offline.SIGNATURE,
        "removed: file is missing: nothing vouches for manifest.json",
    ),
    (
        "manifest edited",
        _edit_manifest,
        offline.MANIFEST,
        "forged: the signature does not verify",
    ),
]


def test_a_genuine_earlier_export_still_passes(
    exports: tuple[Path, Path], signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    earlier, later = exports
    result = _verify("--export", later, "--earlier-export", earlier)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "OK: 9 events, 9 sealed, 0 awaiting seal, 3 checkpoints"
    published = tmp_path / "platform.pem"
    published.write_text(domain.public_key_pem(signing_key.public_key()))
    result = _verify("--export", later, "--earlier-export", earlier, "--public-key", published)
    assert result.exit_code == 0, result.output
    online = _verify("--earlier-export", earlier)
    assert online.exit_code == 0, online.output
    assert online.stdout.startswith("OK: ")


@pytest.mark.parametrize(
    ("damage", "name", "wrong"), [(d[1], d[2], d[3]) for d in DAMAGE], ids=[d[0] for d in DAMAGE]
)
def test_an_earlier_export_that_does_not_verify_is_refused_naming_its_file(
    exports: tuple[Path, Path], damage: Callable[[Path], None], name: str, wrong: str
) -> None:
    earlier, later = exports
    damage(earlier)

    offline_result = _verify("--export", later, "--earlier-export", earlier)
    online_result = _verify("--earlier-export", earlier)

    for result in (offline_result, online_result):
        assert result.exit_code == 2, result.output
        assert "OK" not in result.stdout
        message = " ".join(result.stderr.split())  # the console may wrap it
        assert message.startswith(f"error: the earlier export {earlier} does not verify"), message
        assert f"{earlier / name} {wrong}" in message


def test_an_earlier_export_checked_file_by_file_before_its_checkpoints(
    exports: tuple[Path, Path],
) -> None:
    """Its checkpoints intact, its events not: the earlier export still cannot vouch."""
    earlier, _ = exports
    key = domain.load_public_key_pem((earlier / offline.PUBLIC_KEY).read_bytes())
    keys = {domain.key_id(key): key}
    assert [cp.tree_size for cp in offline.earlier_checkpoints(earlier, keys)] == [3, 5]
    _edit_event(earlier)
    with pytest.raises(offline.EarlierExportError, match=r"events\.jsonl changed"):
        offline.earlier_checkpoints(earlier, keys)


def test_an_earlier_directory_that_is_no_export_is_refused(
    exports: tuple[Path, Path], tmp_path: Path
) -> None:
    _, later = exports
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _verify("--export", later, "--earlier-export", empty)
    assert result.exit_code == 2
    assert "is not an audit export" in result.stderr
