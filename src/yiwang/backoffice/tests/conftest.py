"""Staff accounts with known passwords, logged in through the real back-office login form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.identity.constants import Role
from yiwang.identity.models import Account
from yiwang.identity.tests.factories import DepartmentFactory, MembershipFactory, StaffFactory

PASSWORD = "lantern-orchid-canal-17"


@pytest.fixture
def staff(db: Any) -> Account:
    """A reviewer at Market Regulation who is also the auditor of Health, and was once at Tax."""
    market = DepartmentFactory(code="market", name_en="Market Regulation", name_zh="市场监管局")
    health = DepartmentFactory(code="health", name_en="Health Commission", name_zh="卫生健康委")
    tax = DepartmentFactory(code="tax", name_en="Tax Bureau", name_zh="税务局")
    account = StaffFactory(
        username="clerk.zhou",
        display_name="Zhou Min",
        password=PASSWORD,
        membership__department=market,
        membership__role=Role.REVIEWER,
    )
    MembershipFactory(account=account, department=health, role=Role.AUDITOR)
    MembershipFactory(account=account, department=tax, role=Role.APPROVER, is_active=False)
    return account


@pytest.fixture
def log_in() -> Any:
    def post(client: Client, username: str, password: str = PASSWORD) -> Any:
        response = client.post("/backoffice/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.content.decode()[:2000]
        return response

    return post
