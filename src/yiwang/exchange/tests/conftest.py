"""A small generic world for the exchange tests: four departments, their staff, the fixture
definitions loaded and approved, and a few records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.audit.models import AuditEvent
from yiwang.exchange import hooks, policy, services
from yiwang.exchange.loaders import load_definitions
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role
from yiwang.identity.models import Account, Person
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    StaffFactory,
    uscc_for,
)

FIXTURES = Path(__file__).parent / "fixtures"
DEFINITIONS = FIXTURES / "definitions"


@pytest.fixture(autouse=True)
def signing_key(settings: Any) -> None:
    key = Ed25519PrivateKey.generate()
    settings.YIWANG_AUDIT_SIGNING_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@pytest.fixture(autouse=True)
def clean_hooks() -> Iterator[None]:
    """Case checkers and connectors registered by a test do not leak into the next one."""
    checkers = hooks.registered_case_checkers()
    connectors = dict(hooks._connectors)
    yield
    for checker in hooks.registered_case_checkers():
        if checker not in checkers:
            hooks.unregister_case_checker(checker)
    hooks._connectors.clear()
    hooks._connectors.update(connectors)


def staff(username: str, department: Any, role: str) -> Account:
    return StaffFactory(username=username, membership__department=department, membership__role=role)


@dataclass
class World:
    registrar: Any
    commerce: Any
    welfare: Any
    tax_office: Any
    registrar_officer: Account
    commerce_officer: Account
    welfare_officer: Account
    welfare_reviewer: Account
    welfare_approver: Account
    welfare_auditor: Account
    tax_reviewer: Account
    tax_officer: Account
    citizen: Account
    person: Person
    other_citizen: Account
    firm_uscc: str

    @property
    def national_id(self) -> str:
        return str(self.person.national_id)

    def reviewer(self) -> Requester:
        return Requester.official(self.welfare_reviewer, department="welfare", role=Role.REVIEWER)


@pytest.fixture
def world(db: Any) -> World:
    registrar = DepartmentFactory(code="registrar", name_zh="登记局", name_en="Registrar")
    commerce = DepartmentFactory(code="commerce", name_zh="商务局", name_en="Commerce")
    welfare = DepartmentFactory(code="welfare", name_zh="民政局", name_en="Welfare")
    tax_office = DepartmentFactory(code="tax_office", name_zh="税务局", name_en="Tax office")
    w = World(
        registrar=registrar,
        commerce=commerce,
        welfare=welfare,
        tax_office=tax_office,
        registrar_officer=staff("reg.officer", registrar, Role.DATA_OFFICER),
        commerce_officer=staff("com.officer", commerce, Role.DATA_OFFICER),
        welfare_officer=staff("wel.officer", welfare, Role.DATA_OFFICER),
        welfare_reviewer=staff("wel.reviewer", welfare, Role.REVIEWER),
        welfare_approver=staff("wel.approver", welfare, Role.APPROVER),
        welfare_auditor=staff("wel.auditor", welfare, Role.AUDITOR),
        tax_reviewer=staff("tax.reviewer", tax_office, Role.REVIEWER),
        tax_officer=staff("tax.officer", tax_office, Role.DATA_OFFICER),
        citizen=CitizenFactory(username="citizen.li", display_name="李华"),
        person=None,  # type: ignore[arg-type]  # filled below
        other_citizen=CitizenFactory(username="citizen.wang", display_name="王芳"),
        firm_uscc=uscc_for(7),
    )
    w.person = Person.objects.get(account=w.citizen)
    return w


@pytest.fixture
def loaded(world: World) -> World:
    """The fixture definitions, agreements approved by the providers' data officers."""
    load_definitions([DEFINITIONS], approve_as=["reg.officer", "com.officer"])
    return world


@pytest.fixture
def populated(loaded: World) -> World:
    """Records about the world's person and firm."""
    w = loaded
    services.create_record(
        actor=w.registrar_officer,
        registry="people",
        reason="initial load",
        values={
            "national_id": w.national_id,
            "person_name": "李华",
            "birth_date": "1990-03-07",
            "sex": "2",
            "address": "示例路1号",
        },
    )
    services.create_record(
        actor=w.registrar_officer,
        registry="contributions",
        reason="initial load",
        values={
            "national_id": w.national_id,
            "insured": True,
            "monthly_contribution": "812.50",
            "last_paid_at": "2026-10-15T09:30:00+08:00",
        },
    )
    services.create_record(
        actor=w.commerce_officer,
        registry="firms",
        reason="initial load",
        values={"uscc": w.firm_uscc, "firm_name": "示例餐饮有限公司", "employee_count": 12},
    )
    return w


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(mark: int, action: str | None = None) -> list[AuditEvent]:
    """Audit events written after ``mark`` (see :func:`last_event_id`), oldest first."""
    rows = AuditEvent.objects.filter(id__gt=mark).order_by("id")
    if action:
        rows = rows.filter(action=action)
    return list(rows)


@pytest.fixture
def fresh_snapshot() -> Iterator[None]:
    """Start from an empty per-process cache (tests never depend on it for correctness)."""
    policy.forget()
    yield
    policy.forget()


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
