"""Fixtures for the portal's service pages: three departments, the test services and the
"move house" bundle (loaded and published with the catalogue's loader), citizens, a firm, and
helpers to walk an application through the pages.

Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yiwang.core.testing.html import Element, parse
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
DEPARTMENTS = {
    "police": ("公安局", "Public Security Bureau"),
    "education": ("教育局", "Education Bureau"),
    "city": ("城管局", "City Management Bureau"),
}

ABOUT_YOU = {"full_name": "Li Hua", "move_date": "2026-03-02"}
NEW_HOME = {
    "new_address": "12 Plum Street, East District",
    "household_size": "3",
    "reason": "family",
    "has_children": "true",
}
CHILD = {"child_name": "Li Xiaoming", "contact_email": "lihua@example.org"}

BUNDLE_PAGES = ("address-change.about-you", "address-change.new-home", "school-transfer.child")


def pdf_bytes(size: int = 700) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    return body + b"%" + b"x" * max(0, size - len(body) - 7) + b"\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def pdf_upload(name: str = "tenancy.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    """Files go to a temporary folder; messages go nowhere outside the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.YIWANG_SMS_BACKEND = "yiwang.notifications.sms.MemoryBackend"


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Departments in a district of "CN", a clerk per role, and the published test catalogue."""
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue

    nation = RegionFactory(code="CN", level="nation")
    district = RegionFactory(code="990103", parent=nation)
    departments = {
        code: DepartmentFactory(code=code, region=district, name_zh=zh, name_en=en)
        for code, (zh, en) in DEPARTMENTS.items()
    }
    catalogue.load_definitions([SERVICES], actor=system_actor("test"), publish=True)
    clerks = {
        f"{code}.{role}": StaffFactory(
            username=f"{code}.{role}", membership__department=department, membership__role=role
        )
        for code, department in departments.items()
        for role in (Role.REVIEWER, Role.APPROVER)
    }
    return {"departments": departments, "clerks": clerks}


@pytest.fixture
def citizen(db: Any) -> Any:
    return CitizenFactory(username="lihua")


@pytest.fixture
def other_citizen(db: Any) -> Any:
    return CitizenFactory(username="zhangsan")


@pytest.fixture
def firm(db: Any, citizen: Any) -> Any:
    """A firm the citizen represents."""
    firm = FirmFactory(name="演示装修有限公司", name_en="Demo Renovation Ltd.")
    FirmRepresentativeFactory(firm=firm, person=citizen.person)
    return firm


@pytest.fixture
def other_firm_rep(db: Any) -> Any:
    """A citizen who represents another firm."""
    account = CitizenFactory(username="wangwu")
    FirmRepresentativeFactory(firm=FirmFactory(), person=account.person)
    return account


def client_for(account: Any = None, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    if account is not None:
        client.force_login(account)
    return client


def html(response: Any) -> Element:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return parse(response.content)


def summary_links(doc: Element) -> list[str]:
    summary = doc.find(class_="error-summary")
    return [a.get("href") or "" for a in summary.find_all("a")] if summary else []


def application_pk(location: str) -> int:
    match = re.search(r"/my/applications/(\d+)/", location)
    assert match, location
    return int(match.group(1))


def start(client: Client, kind: str, code: str, **choice: str) -> int:
    """Press Start on a service or bundle page; returns the new draft's pk."""
    response = client.post(f"/{kind}s/{code}/start/", choice)
    assert response.status_code == 302, response.status_code
    return application_pk(response["Location"])


def page_url(pk: int, page_id: str) -> str:
    return f"/my/applications/{pk}/pages/{page_id}/"


def save(client: Client, pk: int, page_id: str, data: dict[str, str], **extra: str) -> Any:
    return client.post(page_url(pk, page_id), {**data, "action": "continue", **extra})


def fill_bundle(client: Client, pk: int, *, children: bool = True) -> None:
    """Answer every page of the bundle correctly."""
    assert save(client, pk, BUNDLE_PAGES[0], ABOUT_YOU).status_code == 302
    home = {**NEW_HOME, "has_children": "true" if children else "false"}
    assert save(client, pk, BUNDLE_PAGES[1], home).status_code == 302
    if children:
        assert save(client, pk, BUNDLE_PAGES[2], CHILD).status_code == 302


def upload_all(client: Client, pk: int, *, children: bool = True) -> None:
    files = {"file-tenancy": pdf_upload(), "action": "continue"}
    if children:
        files["file-birth-certificate"] = pdf_upload("births.pdf")
    response = client.post(f"/my/applications/{pk}/materials/", files)
    assert response.status_code == 302, parse(response.content).find(class_="error-summary")


def submit(client: Client, pk: int, key: str = "key-1") -> Any:
    return client.post(f"/my/applications/{pk}/check/", {"idempotency_key": key})


def submitted_bundle(client: Client, *, children: bool = True) -> int:
    pk = start(client, "bundle", "move-house")
    fill_bundle(client, pk, children=children)
    upload_all(client, pk, children=children)
    response = submit(client, pk)
    assert response.status_code == 302 and response["Location"].endswith("/receipt/")
    return pk
