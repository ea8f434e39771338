from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yiwang.audit.models import AuditEvent, Checkpoint, Leaf, SearchTerm
from yiwang.cli import app

runner = CliRunner()


def test_seal_command(make_events: Callable[..., list[AuditEvent]]) -> None:
    make_events(3)
    result = runner.invoke(app, ["audit", "seal"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Sealed: tree size 3, root ")
    assert "Indexed 3 sealed event(s) for the auditors' search." in result.stdout
    assert SearchTerm.objects.filter(term="actor:platform").count() == 3
    again = runner.invoke(app, ["audit", "seal"])
    assert again.exit_code == 0 and again.stdout.strip() == "Nothing to seal."
    assert Checkpoint.objects.count() == 1


def test_index_command_adds_and_rebuilds(make_events: Callable[..., list[AuditEvent]]) -> None:
    events = make_events(2)
    runner.invoke(app, ["audit", "seal"])
    SearchTerm.objects.filter(event_id=events[0].pk).delete()
    nothing = runner.invoke(app, ["audit", "index"])
    assert nothing.stdout.strip() == "Indexed 0 sealed event(s) for the auditors' search."
    rebuilt = runner.invoke(app, ["audit", "index", "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.strip() == "Indexed 2 sealed event(s) for the auditors' search."
    assert set(SearchTerm.objects.values_list("event_id", flat=True)) == {e.pk for e in events}


def test_verify_command_exit_codes(
    make_events: Callable[..., list[AuditEvent]], attacker: Callable[..., None]
) -> None:
    events = make_events(3)
    runner.invoke(app, ["audit", "seal"])
    make_events(1)
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == "OK: 4 events, 3 sealed, 1 awaiting seal, 1 checkpoints"
    attacker(
        "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [events[1].pk]
    )
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert bad.stdout.startswith(
        f"FAIL: event {events[1].pk} changed (action test.something_done at "
    )


def test_export_then_verify_export(
    make_events: Callable[..., list[AuditEvent]], tmp_path: Path
) -> None:
    make_events(4)
    runner.invoke(app, ["audit", "seal"])
    target = tmp_path / "audit-export"
    exported = runner.invoke(app, ["audit", "export", str(target)])
    assert exported.exit_code == 0, exported.output
    assert exported.stdout.startswith("Exported 4 events, 4 leaves and 1 checkpoints to ")
    again = runner.invoke(app, ["audit", "export", str(target)])
    assert again.exit_code == 2
    ok = runner.invoke(app, ["audit", "verify", "--export", str(target)])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == "OK: 4 events, 4 sealed, 0 awaiting seal, 1 checkpoints"
    leaves = target / "leaves.jsonl"
    data = bytearray(leaves.read_bytes())
    data[len(data) // 2] ^= 0x01
    leaves.write_bytes(bytes(data))
    bad = runner.invoke(app, ["audit", "verify", "--export", str(target)])
    assert bad.exit_code == 1
    assert bad.stdout.startswith("FAIL: ")


def test_verify_export_with_the_published_key(
    make_events: Callable[..., list[AuditEvent]], tmp_path: Path
) -> None:
    make_events(2)
    runner.invoke(app, ["audit", "seal"])
    target = tmp_path / "e"
    runner.invoke(app, ["audit", "export", str(target)])
    key = tmp_path / "published.pem"
    key.write_bytes((target / "public_key.pem").read_bytes())
    ok = runner.invoke(app, ["audit", "verify", "--export", str(target), "--public-key", str(key)])
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(app, ["audit", "verify", "--public-key", str(key)])
    assert refused.exit_code != 0


def test_verify_export_refuses_a_directory_that_is_not_an_export(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--export", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not an audit export" in result.output


def test_verify_names_a_retired_key_file_it_cannot_read(
    make_events: Callable[..., list[AuditEvent]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YIWANG_DATA_DIR", str(tmp_path))
    make_events(1)
    (tmp_path / "audit_trusted_keys").mkdir()
    (tmp_path / "audit_trusted_keys" / "old.pem").write_text("garbage")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 2
    assert "old.pem is not an Ed25519 public key" in result.output


def test_verify_export_refuses_a_key_that_is_not_ed25519(
    make_events: Callable[..., list[AuditEvent]], tmp_path: Path
) -> None:
    make_events(1)
    runner.invoke(app, ["audit", "export", str(tmp_path / "e")])
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    result = runner.invoke(
        app, ["audit", "verify", "--export", str(tmp_path / "e"), "--public-key", str(bad)]
    )
    assert result.exit_code == 2
    assert "error:" in result.output


def test_seal_refuses_to_build_on_entries_no_checkpoint_signs(
    make_events: Callable[..., list[AuditEvent]], attacker: Callable[..., None]
) -> None:
    make_events(2)
    runner.invoke(app, ["audit", "seal"])
    make_events(2)
    runner.invoke(app, ["audit", "seal"])
    attacker("DELETE FROM audit_checkpoint WHERE tree_size = 4")
    make_events(1)
    result = runner.invoke(app, ["audit", "seal"])
    assert result.exit_code == 1
    assert "sealed entries at position 2 and beyond" in result.output
    assert Checkpoint.objects.count() == 1


def test_seal_refuses_to_build_on_a_log_whose_last_entries_were_removed(
    make_events: Callable[..., list[AuditEvent]], attacker: Callable[..., None]
) -> None:
    make_events(3)
    runner.invoke(app, ["audit", "seal"])
    attacker("DELETE FROM audit_leaf WHERE leaf_index = 2")
    make_events(1)
    result = runner.invoke(app, ["audit", "seal"])
    assert result.exit_code == 1
    assert "the one at position 2 is missing" in result.output
    assert (Checkpoint.objects.count(), Leaf.objects.count()) == (1, 2)


def test_verify_against_an_earlier_export_catches_a_rolled_back_log(
    make_events: Callable[..., list[AuditEvent]],
    attacker: Callable[..., None],
    tmp_path: Path,
) -> None:
    make_events(2)
    runner.invoke(app, ["audit", "seal"])
    make_events(2)
    runner.invoke(app, ["audit", "seal"])
    earlier = tmp_path / "earlier"
    assert runner.invoke(app, ["audit", "export", str(earlier)]).exit_code == 0
    ok = runner.invoke(app, ["audit", "verify", "--earlier-export", str(earlier)])
    assert ok.exit_code == 0, ok.output
    # The newest checkpoint goes with its entries and events: consistent, but not what it was.
    attacker("DELETE FROM audit_checkpoint WHERE tree_size = 4")
    attacker("DELETE FROM audit_leaf WHERE leaf_index >= 2")
    attacker(
        "DELETE FROM audit_auditevent WHERE id IN (SELECT id FROM audit_auditevent "
        "ORDER BY id DESC LIMIT 3)"
    )
    bad = runner.invoke(app, ["audit", "verify", "--earlier-export", str(earlier)])
    assert bad.exit_code == 1
    assert bad.stdout.startswith("FAIL: checkpoint 4 removed: an earlier export holds")
    # Offline too: a new export of the rolled-back log against the earlier one.
    later = tmp_path / "later"
    assert runner.invoke(app, ["audit", "export", str(later)]).exit_code == 0
    offline_bad = runner.invoke(
        app, ["audit", "verify", "--export", str(later), "--earlier-export", str(earlier)]
    )
    assert offline_bad.exit_code == 1
    assert "checkpoint 4 removed" in offline_bad.stdout


def test_an_earlier_export_that_does_not_verify_is_refused(
    make_events: Callable[..., list[AuditEvent]], tmp_path: Path
) -> None:
    make_events(2)
    runner.invoke(app, ["audit", "seal"])
    earlier = tmp_path / "earlier"
    runner.invoke(app, ["audit", "export", str(earlier)])
    line = (earlier / "checkpoints.jsonl").read_text()
    (earlier / "checkpoints.jsonl").write_text(line.replace('"tree_size":2', '"tree_size":3'))
    result = runner.invoke(app, ["audit", "verify", "--earlier-export", str(earlier)])
    assert result.exit_code == 2
    assert "earlier export" in result.output
