"""The correction page (补正) of a bundle application when the changed answer would change which
services the application includes: the answer is refused beside its field, saying why and what
to do instead, in both languages, and nothing typed is lost."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications.constants import CorrectionStatus
from yiwang.applications.models import Application, CorrectionRequest
from yiwang.applications.tests.conftest import _media, citizen, clerk, world
from yiwang.applications.tests.test_correction_materials import submitted_small_shop
from yiwang.portal.tests.service_world import client_for, html, summary_links
from yiwang.portal.tests.test_correction_materials_page import ask

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "clerk", "world"]

TEXT = {
    "en": "With this answer the application would no longer include “Staff insurance "
    "registration”. A correction cannot change which services an application includes: keep "
    "your earlier answer, or withdraw the application and apply again.",
    "zh-hans": "按此回答，本申请将不再包括“员工参保登记”。补正不能改变申请包括哪些事项："
    "请保留原来的回答，或撤回本申请后重新申请。",
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_staff_would_drop_the_staff_insurance_service(
    world: Any, clerk: Any, citizen: Any, language: str
) -> None:
    application = submitted_small_shop(citizen, "bundle")
    correction = ask(clerk, application, ["staff_count"])
    url = f"/my/applications/{application.pk}/corrections/{correction.pk}/"
    client = client_for(citizen, language)

    page = html(client.post(url, {"staff_count": "0"}))

    assert summary_links(page) == ["#id_staff_count"]
    field = page.one("input", name="staff_count")
    assert field.get("value") == "0"  # what was typed stays in its box
    described = (field.get("aria-describedby") or "").split()
    assert "id_staff_count-error" in described
    assert TEXT[language] in page.one(id="id_staff_count-error").text
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN
    assert Application.objects.get(pk=application.pk).form_data["staff_count"] == 3
