"""Test support: let the test database be flushed although the audit tables are append-only.

Transactional tests (``transactional_db``, ``live_server``) end with Django's ``flush``, which
empties every table with TRUNCATE (PostgreSQL) or DELETE (SQLite) — exactly what the audit
triggers refuse. Only in tests, the flush is wrapped: on PostgreSQL it runs with
``session_replication_role = replica`` for that one transaction (ordinary triggers do not fire),
on SQLite the audit triggers are dropped and re-created around it from their own stored SQL.
Production code has no such switch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

AUDIT_TABLES = ("audit_auditevent", "audit_leaf", "audit_checkpoint")
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: Iterable[str]) -> None:
        connection = self.connection
        if connection.vendor not in ("postgresql", "sqlite"):
            original(self, sql_list)
            return
        with transaction.atomic(using=connection.alias):
            saved: list[str] = []
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL session_replication_role = replica")
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name IN (%s, %s, %s)",
                        list(AUDIT_TABLES),
                    )
                    for name, sql in cursor.fetchall():
                        cursor.execute(f'DROP TRIGGER "{name}"')
                        saved.append(sql)
            original(self, sql_list)
            with connection.cursor() as cursor:
                for sql in saved:
                    cursor.execute(sql)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    _installed = True


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _install()
