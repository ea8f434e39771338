"""Fixtures for the audit tests: a signing key per test and an attacker's raw SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import record_event

AUDIT_TABLES = ("audit_auditevent", "audit_leaf", "audit_checkpoint")


@pytest.fixture(autouse=True)
def signing_key(settings: Any) -> Ed25519PrivateKey:
    """A fresh platform key for every test, given the way operators give it: as PEM."""
    key = Ed25519PrivateKey.generate()
    settings.YIWANG_AUDIT_SIGNING_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return key


def run_as_attacker(sql: str, params: list[Any] | None = None) -> None:
    """Run SQL the way someone with database superuser rights would: guards switched off."""
    params = [
        connection.ops.adapt_datetimefield_value(p) if isinstance(p, dt.datetime) else p
        for p in params or []
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute("SET LOCAL session_replication_role = origin")
            return
        placeholders = ", ".join(["%s"] * len(AUDIT_TABLES))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({placeholders})",
            list(AUDIT_TABLES),
        )
        saved = cursor.fetchall()
        for name, _ in saved:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            cursor.execute(sql, params)
        finally:
            for _, trigger_sql in saved:
                cursor.execute(trigger_sql)


@pytest.fixture
def attacker() -> Callable[..., None]:
    return run_as_attacker


@pytest.fixture
def make_events(db: Any) -> Callable[..., list[AuditEvent]]:
    def make(n: int, action: str = "test.something_done") -> list[AuditEvent]:
        return [
            record_event(
                actor=SYSTEM,
                action=action,
                object_type="test.thing",
                object_id=str(i),
                subjects=[f"person:11010119900307{i % 10}01X"],
                data={"n": i, "note": "例子"},
            )
            for i in range(n)
        ]

    return make


def hours_ago(hours: float) -> dt.datetime:
    from yiwang.core import clock

    return clock.now() - dt.timedelta(hours=hours)
