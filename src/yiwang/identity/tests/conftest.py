"""Fixtures for identity tests: accounts with known passwords and a way to log in by form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yiwang.identity.constants import Role
from yiwang.identity.models import Account
from yiwang.identity.tests.factories import CitizenFactory, DepartmentFactory, StaffFactory

PASSWORD = "plum-blossom-river-42"


@pytest.fixture
def citizen(db: Any) -> Account:
    return CitizenFactory(username="lihua", password=PASSWORD)


@pytest.fixture
def clerk(db: Any) -> Account:
    return StaffFactory(username="clerk.wang", password=PASSWORD, membership__role=Role.REVIEWER)


@pytest.fixture
def login() -> Callable[..., Any]:
    """Post the real login form of a realm; returns the response."""

    def post(
        client: Client, realm: str, username: str, password: str = PASSWORD, **extra: Any
    ) -> Any:
        return client.post(
            reverse(f"{realm}:login"), {"username": username, "password": password}, **extra
        )

    return post


@pytest.fixture
def events() -> Callable[..., list[Any]]:
    """Audit events with a given action, oldest first."""
    audit_models = pytest.importorskip("yiwang.audit.models")

    def query(action: str) -> list[Any]:
        return list(audit_models.AuditEvent.objects.filter(action=action).order_by("pk"))

    return query


@pytest.fixture
def address_limit(settings: Any) -> int:
    """A per-address limit above the user name's but small enough to reach quickly in a test."""
    settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT + 3
    return int(settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT)


@pytest.fixture
def department(db: Any) -> Any:
    return DepartmentFactory(code="market", name_en="Market Regulation", name_zh="市场监管局")


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    """Assertions read the English text; the Chinese pages are checked where it matters."""
    settings.LANGUAGE_CODE = "en"
