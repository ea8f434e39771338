"""The session store: Django's database sessions, read with SQL written once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from yiwang.identity.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_is_read_back() -> None:
    store = SessionStore()
    store["who"] = "张伟"
    store.save()

    again = SessionStore(session_key=store.session_key)

    assert again["who"] == "张伟"
    assert again.session_key == store.session_key


def test_an_expired_session_reads_as_a_new_one() -> None:
    store = SessionStore()
    store["who"] = "someone"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    again = SessionStore(session_key=store.session_key)

    assert "who" not in again
    assert again.session_key is None


def test_an_unknown_key_reads_as_a_new_session() -> None:
    again = SessionStore(session_key="x" * 32)

    assert dict(again.items()) == {}
    assert again.session_key is None
