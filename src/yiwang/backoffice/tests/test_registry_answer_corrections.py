"""The decision form marks answers the applicant confirmed from official records, says what
asking about one means, and lets the clerk ask about it (补正)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.applications.models import CorrectionRequest
from yiwang.applications.tests.test_prefill import pworld
from yiwang.applications.tests.test_prefill_corrections import submitted
from yiwang.core.testing.html import parse
from yiwang.identity.models import Account

pytestmark = pytest.mark.django_db
__all__ = ["pworld"]

TEXT = {
    "en": {
        "address": "Address (from People registry)",
        "reason": "Reason",
        "help": "the applicant may give another answer",
    },
    "zh-hans": {
        "address": "住址（来自人口库）",
        "reason": "事由",
        "help": "申请人可填写其他答案",
    },
}


def clerk_client(language: str) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(Account.objects.get(username="civil.reviewer"))
    return client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_registry_answers_are_marked_and_may_be_asked_about(pworld: Any, language: str) -> None:
    app = submitted(pworld["citizen"])
    task = app.cases.get().tasks.get()
    client = clerk_client(language)
    url = f"/backoffice/tasks/{task.pk}/"
    text = TEXT[language]

    response = client.get(url)
    assert response.status_code == 200
    page = parse(response.content)
    choices = {
        box.get("value"): page.one("label", **{"for": box.get("id") or ""}).text
        for box in page.find_all("input", name="correction_fields")
    }
    assert choices["address"] == text["address"]
    assert choices["reason"] == text["reason"]
    assert text["help"] in page.text

    response = client.post(
        url,
        {
            "decision": "request_correction",
            "correction_fields": ["address"],
            "note": "The address looks out of date.",
        },
    )
    assert response.status_code == 302
    assert CorrectionRequest.objects.get(case__application=app).fields == ["address"]


def test_an_application_without_registry_answers_has_no_marks(pworld: Any) -> None:
    from yiwang.applications import services
    from yiwang.applications.tests.conftest import pdf_bytes, upload

    citizen = pworld["citizen"]
    app = services.start_application(actor=citizen, service_code="family-registration")
    services.save_draft(
        actor=citizen,
        application=app,
        data={"full_name": "Li Hua", "address": "Road 1"},
        page="who",
    )
    services.save_draft(
        actor=citizen,
        application=app,
        data={"certificate_number": "B1", "reason": "newborn"},
        page="what",
    )
    for code in ("photo", "certificate-copy"):
        services.add_upload(
            actor=citizen,
            application=app,
            material_code=code,
            uploaded_file=upload(f"{code}.pdf", pdf_bytes(), "application/pdf"),
        )
    app = services.submit_application(actor=citizen, application=app)
    task = app.cases.get().tasks.get()

    page = parse(clerk_client("en").get(f"/backoffice/tasks/{task.pk}/").content)

    assert "(from " not in page.text
    assert "the applicant may give another answer" not in page.text
