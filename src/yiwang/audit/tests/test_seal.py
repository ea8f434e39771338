from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db.models import Max

from yiwang.audit import domain, keys, merkle
from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf
from yiwang.audit.services import build_event, seal
from yiwang.audit.tasks import PERIODIC, seal_audit_log
from yiwang.audit.verify import verify

from .conftest import hours_ago


def leaf_hashes() -> list[bytes]:
    return [
        domain.event_leaf_hash(event_id, bytes(digest))
        for event_id, digest in Leaf.objects.order_by("leaf_index").values_list(
            "event_id", "content_hash"
        )
    ]


def test_nothing_to_seal_writes_no_checkpoint(db: Any) -> None:
    assert seal() is None
    assert not Checkpoint.objects.exists()


def test_seal_signs_the_rfc6962_root_of_all_events(
    make_events: Callable[..., list[AuditEvent]], signing_key: Ed25519PrivateKey
) -> None:
    events = make_events(5)
    checkpoint = seal()
    assert checkpoint is not None and checkpoint.tree_size == 5
    leaves = list(Leaf.objects.order_by("leaf_index"))
    assert [leaf.leaf_index for leaf in leaves] == [0, 1, 2, 3, 4]
    assert [leaf.event_id for leaf in leaves] == [e.pk for e in events]
    assert [bytes(leaf.content_hash) for leaf in leaves] == [bytes(e.content_hash) for e in events]
    assert bytes(checkpoint.root_hash) == merkle.tree_root(leaf_hashes())
    public = signing_key.public_key()
    assert checkpoint.key_id == domain.key_id(public)
    body = domain.checkpoint_body(
        tree_size=5,
        root=bytes(checkpoint.root_hash),
        timestamp=domain.canonical_timestamp(checkpoint.created_at),
        key_id=checkpoint.key_id,
    )
    public.verify(bytes(checkpoint.signature), body)  # raises if the signature is wrong


def test_next_seal_extends_the_tree_from_the_stored_frontier(
    make_events: Callable[..., list[AuditEvent]],
) -> None:
    make_events(3)
    first = seal()
    make_events(4)
    second = seal()
    assert first is not None and second is not None
    assert (first.tree_size, second.tree_size) == (3, 7)
    hashes = leaf_hashes()
    assert bytes(first.root_hash) == merkle.tree_root(hashes[:3])
    assert bytes(second.root_hash) == merkle.tree_root(hashes)
    assert seal() is None
    assert Checkpoint.objects.count() == 2


def test_event_committed_late_with_a_lower_id_is_sealed_exactly_once(
    make_events: Callable[..., list[AuditEvent]],
) -> None:
    # A took an id, B took a later one and committed first; A commits after the seal.
    [a] = make_events(1)
    b = build_event(actor=SYSTEM, action="test.committed_first")
    b.id = a.pk + 5
    b.save()
    assert seal() is not None
    late = build_event(actor=SYSTEM, action="test.committed_late")
    late.id = a.pk + 2
    late.save()
    report = verify()
    assert report.ok and report.awaiting == 1
    second = seal()
    assert second is not None and second.tree_size == 3
    assert list(Leaf.objects.order_by("leaf_index").values_list("event_id", flat=True)) == [
        a.pk,
        a.pk + 5,
        a.pk + 2,
    ]
    assert seal() is None
    report = verify()
    assert report.ok, report.summary()
    assert (report.events, report.sealed, report.awaiting, report.checkpoints) == (3, 3, 0, 2)


def test_events_older_than_any_open_transaction_are_not_sealed_after_a_checkpoint(
    make_events: Callable[..., list[AuditEvent]],
) -> None:
    make_events(2)
    seal()
    old = build_event(actor=SYSTEM, action="test.backdated")
    old.created_at = hours_ago(3)
    old.content_hash = domain.content_hash(_fields(old))
    old.save()
    assert seal() is None
    assert not Leaf.objects.filter(event_id=old.pk).exists()
    report = verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("inserted", str(old.pk))


def _fields(event: AuditEvent) -> tuple[str, ...]:
    from yiwang.audit.services import event_fields

    return event_fields(event)


def test_seal_task_is_idempotent(make_events: Callable[..., list[AuditEvent]]) -> None:
    make_events(2)
    assert seal_audit_log.call() == 2
    assert seal_audit_log.call() is None
    assert Leaf.objects.count() == 2
    assert PERIODIC[0] == (seal_audit_log, 60)


def test_key_is_generated_once_into_the_data_dir(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_DATA_DIR", str(tmp_path))
    settings.YIWANG_AUDIT_SIGNING_KEY = None
    keys._load.cache_clear()
    first = keys.current_key_id()
    path = tmp_path / keys.KEY_FILE_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # Another process losing the race must not replace the key that is already there.
    keys._generate_into(path)
    keys._load.cache_clear()
    assert keys.current_key_id() == first
    assert [p.name for p in tmp_path.iterdir()] == [keys.KEY_FILE_NAME]


def test_retired_public_keys_in_the_data_dir_are_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_DATA_DIR", str(tmp_path))
    retired = Ed25519PrivateKey.generate().public_key()
    (tmp_path / keys.TRUSTED_KEYS_DIR).mkdir()
    (tmp_path / keys.TRUSTED_KEYS_DIR / "2025.pem").write_text(domain.public_key_pem(retired))
    trusted = keys.trusted_public_keys()
    assert set(trusted) == {keys.current_key_id(), domain.key_id(retired)}


def test_ids_stay_unique_per_leaf(make_events: Callable[..., list[AuditEvent]]) -> None:
    make_events(3)
    seal()
    make_events(2)
    seal()
    ids = list(Leaf.objects.values_list("event_id", flat=True))
    assert sorted(ids) == sorted(AuditEvent.objects.values_list("id", flat=True))
    assert Leaf.objects.aggregate(Max("leaf_index"))["leaf_index__max"] == 4
