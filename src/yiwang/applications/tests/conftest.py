"""A small world for workflow tests: four departments in a district of "CN", their clerks, the
test services and bundle (loaded and published through the catalogue's loader), and helpers to
fill in and submit applications."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.applications import services
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    FirmFactory,
    FirmRepresentativeFactory,
    RegionFactory,
    StaffFactory,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SERVICES = FIXTURES / "services"
DEPARTMENTS = ("market", "fire", "hr", "health")

# Answers that satisfy the shop licence's form; the fire check applies (floor area > 300).
SHOP_ANSWERS: dict[str, Any] = {
    "business_name": "Plum Blossom Noodles",
    "contact_email": "owner@example.org",
    "postcode": "100010",
    "opening_date": "2026-03-02",
    "floor_area": 420.5,
    "staff_count": 3,
    "category": "food",
    "sells_alcohol": False,
}


def pdf_bytes(size: int = 600) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    return body + b"%" + b"x" * max(0, size - len(body) - 7) + b"\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    settings.YIWANG_SMS_BACKEND = "yiwang.notifications.sms.MemoryBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from yiwang.notifications.sms import MemoryBackend

    MemoryBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Departments (in a district whose nation is "CN"), one clerk per role, and the catalogue."""
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue

    nation = RegionFactory(code="CN", level="nation")
    district = RegionFactory(code="990102", parent=nation)
    departments = {
        code: DepartmentFactory(code=code, region=district, name_en=f"{code} dept")
        for code in DEPARTMENTS
    }
    catalogue.load_definitions([SERVICES], actor=system_actor("test"), publish=True)
    clerks: dict[str, Any] = {}
    for code, department in departments.items():
        for role in (Role.REVIEWER, Role.APPROVER, Role.TEAM_LEAD):
            clerks[f"{code}.{role}"] = StaffFactory(
                username=f"{code}.{role}",
                membership__department=department,
                membership__role=role,
            )
    return {"departments": departments, "clerks": clerks}


@pytest.fixture
def clerk(world: dict[str, Any]) -> Callable[[str], Any]:
    return lambda name: world["clerks"][name]


@pytest.fixture
def citizen(db: Any) -> Any:
    return CitizenFactory(username="lihua")


@pytest.fixture
def other_citizen(db: Any) -> Any:
    return CitizenFactory(username="zhangsan")


@pytest.fixture
def firm_with_reps(db: Any, citizen: Any) -> tuple[Any, Any]:
    """A firm the citizen represents, and a second representative of it."""
    firm = FirmFactory()
    FirmRepresentativeFactory(firm=firm, person=citizen.person)
    colleague = CitizenFactory(username="colleague")
    FirmRepresentativeFactory(firm=firm, person=colleague.person, role="agent")
    return firm, colleague


@pytest.fixture
def staff_of() -> Callable[..., Any]:
    def make(department: Any, role: str, username: str) -> Any:
        account = StaffFactory(
            username=username, membership__department=department, membership__role=role
        )
        return account

    return make


def fill(actor: Any, application: Any, answers: dict[str, Any] | None = None) -> Any:
    result = services.save_draft(
        actor=actor, application=application, data=answers or dict(SHOP_ANSWERS)
    )
    assert result.valid, result.errors
    return result.application


def attach(actor: Any, application: Any, *codes: str) -> None:
    for code in codes:
        services.add_upload(
            actor=actor,
            application=application,
            material_code=code,
            uploaded_file=upload(f"{code}.pdf", pdf_bytes()),
        )


@pytest.fixture
def submitted_shop(world: dict[str, Any], citizen: Any) -> Callable[..., Any]:
    """Start, fill in, attach and submit a shop licence application (answers may be changed)."""

    def make(actor: Any = None, **changes: Any) -> Any:
        actor = actor or citizen
        application = services.start_application(actor=actor, service_code="shop-licence")
        fill(actor, application, {**SHOP_ANSWERS, **changes})
        answers = {**SHOP_ANSWERS, **changes}
        codes = ["premises-proof"] + (["fire-plan"] if answers["floor_area"] > 300 else [])
        attach(actor, application, *codes)
        return services.submit_application(actor=actor, application=application)

    return make


def tasks_of(application: Any) -> dict[str, Any]:
    from yiwang.applications.models import Task

    return {
        f"{t.service_code}.{t.step_code}": t
        for t in Task.objects.filter(case__application=application)
    }


def add_calendar_days(*days: tuple[dt.date, str]) -> None:
    from yiwang.core.calendar_models import CalendarDay

    for day, kind in days:
        CalendarDay.objects.create(
            region_code="CN", date=day, kind=kind, name_zh="测试", name_en="Test"
        )
