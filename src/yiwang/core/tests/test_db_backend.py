"""The PostgreSQL backend's health check: no round trip for a healthy idle connection, and a
connection the server has ended is found and replaced before the request uses it."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.backends.postgresql import base as django_base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_settings_use_our_backend_on_postgresql() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "yiwang.core.db.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_an_idle_healthy_connection_is_usable_without_asking_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection.ensure_connection()
    asked: list[Any] = []

    def ask_the_server(self: Any) -> bool:
        asked.append(self)
        return True

    monkeypatch.setattr(django_base.DatabaseWrapper, "is_usable", ask_the_server)
    assert connection.is_usable() is True
    assert asked == []


def _end_session_from_outside(pid: int) -> None:
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k not in ("cursor_factory", "context")},
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_session_the_server_ended_is_unusable_and_replaced_at_the_next_request() -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    _end_session_from_outside(pid)
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.02)  # the server's goodbye takes a moment to arrive
    assert connection.is_usable() is False

    # What Django does at the start of each request: the dead connection is closed, and the
    # request's first query opens a new one instead of failing.
    close_old_connections()
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert new_pid != pid


def test_a_closed_connection_is_not_usable() -> None:
    connection.ensure_connection()
    connection.connection.close()
    assert connection.is_usable() is False
    connection.close()
