"""Uploaded materials: size and type limits, content sniffing, storage and re-uploads."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from django.core.files.storage import default_storage

from yiwang.applications import domain, selectors, services
from yiwang.applications.models import Application, MaterialUpload
from yiwang.applications.tests.conftest import pdf_bytes, png_bytes, upload
from yiwang.applications.types import IllegalTransition, UploadRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world: Any, citizen: Any) -> Application:
    return services.start_application(actor=citizen, service_code="shop-licence")


def add(citizen: Any, draft: Application, code: str, name: str, content: bytes) -> MaterialUpload:
    return services.add_upload(
        actor=citizen, application=draft, material_code=code, uploaded_file=upload(name, content)
    )


def test_a_pdf_is_stored_under_a_random_name_with_its_digest(
    draft: Application, citizen: Any
) -> None:
    content = pdf_bytes()

    stored = add(citizen, draft, "premises-proof", "My Lease 张三.pdf", content)

    assert stored.content_type == "application/pdf"
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.original_name == "My Lease 张三.pdf"
    assert "Lease" not in stored.file.name and "张三" not in stored.file.name
    assert stored.file.name.startswith("applications/")
    with default_storage.open(stored.file.name, "rb") as fh:
        assert fh.read() == content


def test_a_png_is_accepted_where_images_are(draft: Application, citizen: Any) -> None:
    stored = add(citizen, draft, "premises-proof", "photo.PNG", png_bytes())
    assert stored.content_type == "image/png"


def test_a_file_over_the_size_limit_is_refused(draft: Application, citizen: Any) -> None:
    with pytest.raises(UploadRefused) as caught:
        add(citizen, draft, "premises-proof", "big.pdf", pdf_bytes(20_000))
    assert "big.pdf" in str(caught.value) and "0.01 MB" in str(caught.value)
    assert not MaterialUpload.objects.exists()


def test_an_extension_not_listed_is_refused(draft: Application, citizen: Any) -> None:
    with pytest.raises(UploadRefused) as caught:
        add(citizen, draft, "premises-proof", "lease.docx", pdf_bytes())
    assert ".jpg, .pdf, .png" in str(caught.value)


def test_content_that_does_not_match_the_extension_is_refused(
    draft: Application, citizen: Any
) -> None:
    with pytest.raises(UploadRefused) as caught:
        add(citizen, draft, "premises-proof", "lease.pdf", png_bytes())
    assert "not really a .pdf file" in str(caught.value)
    with pytest.raises(UploadRefused):
        add(citizen, draft, "premises-proof", "photo.jpg", b"MZ\x90\x00 an executable")
    with pytest.raises(UploadRefused):
        add(citizen, draft, "premises-proof", "empty.pdf", b"")
    assert not MaterialUpload.objects.exists()
    # Nothing refused was left behind in storage.
    assert not default_storage.exists("applications")


def test_an_unknown_material_is_refused(draft: Application, citizen: Any) -> None:
    with pytest.raises(UploadRefused):
        add(citizen, draft, "passport", "passport.pdf", pdf_bytes())


def test_a_new_file_supersedes_the_old_one(draft: Application, citizen: Any) -> None:
    first = add(citizen, draft, "premises-proof", "one.pdf", pdf_bytes())
    second = add(citizen, draft, "premises-proof", "two.pdf", pdf_bytes(700))

    assert MaterialUpload.objects.get(pk=first.pk).superseded is True
    assert list(selectors.uploads_for(actor=citizen, application=draft)) == [second]
    (requirement,) = [
        r for r in selectors.materials_required(application=draft) if r.code == "premises-proof"
    ]
    assert requirement.upload == second


def test_files_cannot_be_added_after_submission(submitted_shop: Any, citizen: Any) -> None:
    application = submitted_shop()
    with pytest.raises(IllegalTransition):
        add(citizen, application, "menu", "menu.pdf", pdf_bytes())


def test_removing_a_file_from_a_draft(draft: Application, citizen: Any) -> None:
    stored = add(citizen, draft, "premises-proof", "one.pdf", pdf_bytes())

    services.remove_upload(actor=citizen, upload=stored)

    assert not selectors.uploads_for(actor=citizen, application=draft).exists()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdf_bytes(), {"application/pdf"}),
        (png_bytes(), {"image/png"}),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", {"image/jpeg"}),
        (b"GIF89a....", {"image/gif"}),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", {"image/webp"}),
        ("名称,人数\n演示,3\n".encode(), {"text/plain", "text/csv"}),
        (b"\x00\x01\x02binary", set()),
        (
            _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}),
            {
                "application/zip",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            },
        ),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
            {"application/zip", "application/vnd.oasis.opendocument.text"},
        ),
        (b"PK\x03\x04 but not a zip at all", set()),
    ],
)
def test_sniffing_recognises_files_by_their_bytes(content: bytes, expected: set[str]) -> None:
    found = domain.sniff_content_types(content[: domain.SNIFF_BYTES], lambda: io.BytesIO(content))
    assert found == expected


def test_a_file_name_past_the_column_is_shortened_visibly_keeping_its_extension() -> None:
    from yiwang.applications.services.uploads import NAME_LIMIT, shown_name

    assert shown_name("C:/scans/身份证.pdf") == "身份证.pdf"
    long = "扫描件" * 100 + ".pdf"
    shown = shown_name(long)
    assert len(shown) == NAME_LIMIT
    assert shown.endswith("….pdf") and shown.startswith("扫描件扫描件")
    assert shown_name("x" * 300).endswith("…")
