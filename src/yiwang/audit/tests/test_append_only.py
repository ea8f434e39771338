from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from yiwang.audit.models import AppendOnlyError, AuditEvent, Checkpoint, Leaf
from yiwang.audit.services import seal


@pytest.fixture
def sealed_log(make_events: Callable[..., list[AuditEvent]]) -> list[AuditEvent]:
    events = make_events(3)
    seal()
    return events


def test_orm_refuses_to_change_or_delete_events(sealed_log: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(pk=sealed_log[0].pk)
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Leaf.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Checkpoint.objects.update(key_id="0" * 16)
    assert AuditEvent.objects.get(pk=event.pk).action == sealed_log[0].action


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'test.rewritten'",
        "DELETE FROM audit_auditevent",
        "UPDATE audit_leaf SET event_id = event_id + 1000",
        "DELETE FROM audit_leaf",
        "UPDATE audit_checkpoint SET key_id = 'forged'",
        "DELETE FROM audit_checkpoint",
    ],
)
def test_database_refuses_updates_and_deletes(sealed_log: list[AuditEvent], sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 3
    assert Leaf.objects.count() == 3
    assert Checkpoint.objects.filter(tree_size=3).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_leaf", "audit_checkpoint"])
def test_postgres_refuses_truncate(sealed_log: list[AuditEvent], table: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == 3
