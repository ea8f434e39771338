"""Uploaded files reach the case's clerks only, and always as a download."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def test_a_clerk_of_the_case_downloads_the_file_as_an_attachment(
    world: w.World, logged_in: Login
) -> None:
    app = w.submitted(w.citizen())
    upload = app.uploads.get()

    response = logged_in(w.clerk(world.licensing)).get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == w.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="plan.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TEAM_LEAD])
def test_another_departments_clerk_gets_not_found(
    world: w.World, logged_in: Login, role: str
) -> None:
    upload = w.submitted(w.citizen()).uploads.get()

    response = logged_in(w.clerk(world.streets, role)).get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 404


def test_a_draft_s_files_are_not_for_clerks(world: w.World, logged_in: Login) -> None:
    upload = w.draft(w.citizen(), upload=True).uploads.get()

    response = logged_in(w.clerk(world.licensing, Role.TEAM_LEAD)).get(
        f"/backoffice/materials/{upload.pk}/"
    )

    assert response.status_code == 404


@pytest.mark.parametrize("pk", [999_999, 2**64])
def test_a_missing_file_is_not_found(world: w.World, logged_in: Login, pk: int) -> None:
    response = logged_in(w.clerk(world.licensing)).get(f"/backoffice/materials/{pk}/")

    assert response.status_code == 404


def test_the_applicant_cannot_use_the_back_office_address(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    upload = w.submitted(person).uploads.get()

    response = logged_in(person).get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 403


def test_a_file_gone_from_storage_is_not_found_and_logged(
    world: w.World, logged_in: Login, caplog: pytest.LogCaptureFixture
) -> None:
    upload = w.submitted(w.citizen()).uploads.get()
    upload.file.storage.delete(upload.file.name)

    response = logged_in(w.clerk(world.licensing)).get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 404
    assert any("missing from storage" in r.getMessage() for r in caplog.records)
