"""An attacker with database superuser rights changes the log behind the platform's back; the
verifier must notice, say what kind of change it was and name the first record affected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.audit import domain
from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf
from yiwang.audit.services import event_fields, record_event, seal
from yiwang.audit.verify import verify

from .conftest import hours_ago

Attacker = Callable[..., None]


@pytest.fixture
def log(make_events: Callable[..., list[AuditEvent]]) -> list[AuditEvent]:
    """Six events: four sealed in the first checkpoint, two in the second, one not yet sealed."""
    events = make_events(4)
    seal()
    events += make_events(2)
    seal()
    events += make_events(1, action="test.not_sealed_yet")
    return events


def first_problem() -> tuple[str, str, str]:
    report = verify()
    assert report.problem is not None, report.summary()
    return report.problem.kind, report.problem.subject, report.problem.ref


def test_untouched_log_verifies(log: list[AuditEvent]) -> None:
    report = verify()
    assert report.ok
    assert report.summary() == "OK: 7 events, 6 sealed, 1 awaiting seal, 2 checkpoints"


def test_changed_event_is_named(log: list[AuditEvent], attacker: Attacker) -> None:
    target = log[2]
    attacker("UPDATE audit_auditevent SET data_json = %s WHERE id = %s", ['{"n":99}', target.pk])
    assert first_problem() == ("changed", "event", str(target.pk))
    summary = verify().summary()
    assert summary.startswith(f"FAIL: event {target.pk} changed (action test.something_done at ")


def test_changed_timestamp_is_detected(log: list[AuditEvent], attacker: Attacker) -> None:
    target = log[4]
    attacker("UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [hours_ago(1), target.pk])
    assert first_problem() == ("changed", "event", str(target.pk))


def test_removed_event_is_named(log: list[AuditEvent], attacker: Attacker) -> None:
    target = log[1]
    attacker("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    assert first_problem() == ("removed", "event", str(target.pk))


def test_inserted_backdated_event_is_named(log: list[AuditEvent], attacker: Attacker) -> None:
    forged = record_event(actor=SYSTEM, action="test.template")
    fake_id = forged.pk + 100
    attacker(
        "INSERT INTO audit_auditevent (id, created_at, actor_type, actor_id, actor_label, "
        "actor_department, actor_role, action, object_type, object_id, subjects_json, purpose, "
        "request_id, data_json, content_hash) "
        "VALUES (%s, %s, 'staff', '1', 'clerk', '', '', 'identity.login', '', '', '[]', '', '', "
        "'{}', %s)",
        [fake_id, hours_ago(5), b"\x00" * 32],
    )
    seal()  # the sealer must not adopt it either
    assert first_problem() == ("inserted", "event", str(fake_id))


def _backdate(event: AuditEvent, attacker: Attacker, *, written_as: str | None = None) -> None:
    """Give an event an older time and the content hash that goes with it: a forgery that
    passes every check of the event on its own."""
    when = hours_ago(5)
    event.created_at = when
    digest = domain.content_hash(event_fields(event))
    # How the time is stored is up to the attacker; SQLite compares it as text.
    stored: Any = when if written_as is None else written_as.format(when=when)
    attacker(
        "UPDATE audit_auditevent SET created_at = %s, content_hash = %s WHERE id = %s",
        [stored, digest, event.pk],
    )


@pytest.mark.parametrize("written_as", [None, "{when:%Y-%m-%dT%H:%M:%S.%f}"])
def test_backdated_event_is_not_sealed_however_its_time_is_written(
    log: list[AuditEvent], attacker: Attacker, written_as: str | None
) -> None:
    forged = record_event(actor=SYSTEM, action="test.forged")
    _backdate(forged, attacker, written_as=written_as)
    seal()
    assert not Leaf.objects.filter(event_id=forged.pk).exists()
    assert first_problem() == ("inserted", "event", str(forged.pk))


def test_backdated_event_sealed_anyway_is_named(
    make_events: Callable[..., list[AuditEvent]], attacker: Attacker, settings: Any
) -> None:
    make_events(4)
    seal()
    make_events(20)  # a run long enough for the verifier's fast path
    forged = record_event(actor=SYSTEM, action="test.forged")
    _backdate(forged, attacker)
    make_events(20)
    # A sealer that did not keep to its window (an older version, or one run by the attacker
    # with a window of days) took the forged event into the next checkpoint.
    real_window = settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS
    settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS = 86400
    seal()
    assert Leaf.objects.filter(event_id=forged.pk).exists()
    settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS = real_window
    report = verify()
    assert report.problem is not None, report.summary()
    assert (report.problem.kind, report.problem.ref) == ("inserted", str(forged.pk))
    assert report.problem.reason == "sealed_too_old"
    assert report.problems == 1


def test_swapped_events_are_reported_as_reordered(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    a, b = log[1], log[3]
    attacker("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [a.pk])
    attacker("UPDATE audit_auditevent SET id = %s WHERE id = %s", [a.pk, b.pk])
    attacker("UPDATE audit_auditevent SET id = %s WHERE id = -1", [b.pk])
    kind, subject, ref = first_problem()
    assert (kind, subject, ref) == ("reordered", "event", str(a.pk))
    assert f"content sealed for event {b.pk}" in verify().summary()


def test_changed_leaf_is_detected(log: list[AuditEvent], attacker: Attacker) -> None:
    target = log[3]
    attacker(
        "UPDATE audit_leaf SET content_hash = %s WHERE event_id = %s", [b"\x11" * 32, target.pk]
    )
    assert first_problem() == ("changed", "event", str(target.pk))


def test_event_and_leaf_rewritten_together_break_the_signed_root(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    target = log[4]
    attacker("UPDATE audit_auditevent SET action = 'test.innocent' WHERE id = %s", [target.pk])
    rewritten = AuditEvent.objects.get(pk=target.pk)
    new_hash = domain.content_hash(event_fields(rewritten))
    attacker("UPDATE audit_leaf SET content_hash = %s WHERE event_id = %s", [new_hash, target.pk])
    assert first_problem() == ("changed", "checkpoint", "6")


def test_removed_leaf_is_detected(log: list[AuditEvent], attacker: Attacker) -> None:
    attacker("DELETE FROM audit_leaf WHERE leaf_index = 2")
    assert first_problem() == ("removed", "leaf", "2")


def test_leaves_removed_from_the_end_are_named(log: list[AuditEvent], attacker: Attacker) -> None:
    # The newest sealed entries go, their checkpoint stays: the entries are what is missing.
    attacker("DELETE FROM audit_leaf WHERE leaf_index >= 4")
    assert first_problem() == ("removed", "leaf", "4-5")
    assert "checkpoint of tree size 6" in verify().summary()


def test_swapped_leaves_are_reported_as_reordered(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    attacker("UPDATE audit_leaf SET leaf_index = -1 WHERE leaf_index = 1")
    attacker("UPDATE audit_leaf SET leaf_index = 1 WHERE leaf_index = 2")
    attacker("UPDATE audit_leaf SET leaf_index = 2 WHERE leaf_index = -1")
    kind, subject, ref = first_problem()
    assert (kind, subject) == ("reordered", "event")
    assert ref == str(log[1].pk)  # now at position 2, after the event that followed it


def test_leaf_beyond_the_last_checkpoint_is_inserted(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    unsealed = log[6]
    attacker(
        "INSERT INTO audit_leaf (leaf_index, event_id, content_hash) VALUES (6, %s, %s)",
        [unsealed.pk, bytes(unsealed.content_hash)],
    )
    assert first_problem() == ("inserted", "leaf", "6")


def test_removed_last_checkpoint_leaves_its_leaves_unsigned(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    attacker("DELETE FROM audit_checkpoint WHERE tree_size = 6")
    assert first_problem() == ("inserted", "leaf", "4")


@pytest.mark.parametrize(
    ("sql", "params", "kind"),
    [
        (
            "UPDATE audit_checkpoint SET root_hash = %s WHERE tree_size = 4",
            [b"\x22" * 32],
            "forged",
        ),
        ("UPDATE audit_checkpoint SET created_at = %s WHERE tree_size = 4", ["now"], "forged"),
        ("UPDATE audit_checkpoint SET tree_size = 3 WHERE tree_size = 4", [], "forged"),
        (
            "UPDATE audit_checkpoint SET key_id = 'feedfeedfeedfeed' WHERE tree_size = 4",
            [],
            "forged",
        ),
        (
            "UPDATE audit_checkpoint SET frontier = %s WHERE tree_size = 4",
            [b"\x33" * 32],
            "changed",
        ),
    ],
)
def test_tampered_checkpoint_is_detected(
    log: list[AuditEvent], attacker: Attacker, sql: str, params: list[Any], kind: str
) -> None:
    if params == ["now"]:
        params = [hours_ago(48)]
    attacker(sql, params)
    problem_kind, subject, _ = first_problem()
    assert (problem_kind, subject) == (kind, "checkpoint")


def test_checkpoint_resigned_with_another_key_is_forged(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    other = Ed25519PrivateKey.generate()
    cp = Checkpoint.objects.get(tree_size=4)
    other_id = domain.key_id(other.public_key())
    body = domain.checkpoint_body(
        tree_size=4,
        root=bytes(cp.root_hash),
        timestamp=domain.canonical_timestamp(cp.created_at),
        key_id=other_id,
    )
    attacker(
        "UPDATE audit_checkpoint SET key_id = %s, signature = %s WHERE tree_size = 4",
        [other_id, other.sign(body)],
    )
    report = verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("forged", "4")
    assert "unknown key" in report.problem.detail


def test_report_counts_every_problem_but_names_the_first(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    attacker("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [log[5].pk, log[0].pk])
    report = verify()
    assert report.problem is not None and report.problem.ref == str(log[0].pk)
    assert report.problems == 2
    assert Leaf.objects.count() == 6


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-27T08:22:00.123456+08:00",
        "2026-01-01T00:00:00+00:00",  # no microseconds: still six digits
        "2026-12-31T23:59:59.999999-05:00",  # crosses the year in UTC
        "2024-02-29T12:00:00.000001+00:00",
        "0999-03-04T05:06:07.000100+00:00",  # a year below 1000 keeps four digits
    ],
)
def test_postgres_writes_an_events_time_exactly_as_it_was_hashed(moment: str) -> None:
    import datetime as dt

    from django.db import connection

    from yiwang.audit.verify import PG_TIMESTAMP

    value = dt.datetime.fromisoformat(moment)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {PG_TIMESTAMP} FROM (SELECT %s::timestamptz AS created_at) e", [value]
        )
        (written,) = cursor.fetchone()
    assert written == domain.canonical_timestamp(value)


def test_rolled_back_checkpoint_is_caught_by_the_search_index(
    log: list[AuditEvent], attacker: Attacker
) -> None:
    from yiwang.audit.search_index import index_sealed

    index_sealed()
    # The newest checkpoint goes, with its entries: the events it sealed look merely unsealed.
    attacker("DELETE FROM audit_checkpoint WHERE tree_size = 6")
    attacker("DELETE FROM audit_leaf WHERE leaf_index >= 4")
    report = verify()
    assert report.problem is not None, report.summary()
    assert (report.problem.kind, report.problem.subject, report.problem.ref) == (
        "removed",
        "checkpoint",
        "6",
    )
    assert report.problem.reason == "index_ahead"
