"""The task page after a correction (补正) in which a changed answer made a document needed: the
clerk sees the new file among the materials, and the correction says it was added for the
changed answers, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.applications import services
from yiwang.applications.tests.conftest import (
    _media,
    citizen,
    clerk,
    pdf_bytes,
    tasks_of,
    upload,
    world,
)
from yiwang.applications.tests.test_correction_materials import (
    LARGER,
    ask_about_floor_area,
    submitted_small_shop,
)
from yiwang.core.testing.html import parse

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "clerk", "world"]

TEXT = {
    "en": {"added": "Materials added because of changed answers: Fire escape plan"},
    "zh-hans": {"added": "因回答修改而补充的材料： 消防平面图"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_clerk_sees_the_plan_the_larger_area_needed(
    world: Any, clerk: Any, citizen: Any, language: str
) -> None:
    application = submitted_small_shop(citizen, "service")
    correction = ask_about_floor_area(clerk, application)
    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        data=LARGER,
        uploads={"fire-plan": upload("plan.pdf", pdf_bytes())},
    )
    reviewer = clerk("market.reviewer")
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(reviewer)

    task = tasks_of(application)["shop-licence.market-review"]
    response = client.get(f"/backoffice/tasks/{task.pk}/")

    assert response.status_code == 200
    page = parse(response.content)
    materials = page.one("section", aria_labelledby="materials-heading")
    assert "plan.pdf" in materials.text
    timeline = page.one("section", aria_labelledby="timeline-heading")
    assert TEXT[language]["added"] in " ".join(timeline.text.split())
