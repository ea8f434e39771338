"""The decision form's Chinese says 不予批准 throughout, and the refusal's reason is labelled as
needed when refusing, not as optional."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications.tests.test_prefill import pworld
from yiwang.applications.tests.test_prefill_corrections import submitted
from yiwang.backoffice.tests.test_registry_answer_corrections import clerk_client
from yiwang.core.testing.html import parse

pytestmark = pytest.mark.django_db
__all__ = ["pworld"]

WORDS = {
    "zh-hans": {
        "refuse": "不予批准",
        "reason": "不予批准的理由 （不予批准时必填）",
        "optional": "选填",
    },
    "en": {
        "refuse": "Refuse",
        "reason": "Reason for refusing (needed if you refuse)",
        "optional": "optional",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_refusing_is_named_one_way_and_its_reason_is_not_optional(
    pworld: Any, language: str
) -> None:
    app = submitted(pworld["citizen"])
    task = app.cases.get().tasks.get()
    words = WORDS[language]

    page = parse(clerk_client(language).get(f"/backoffice/tasks/{task.pk}/").content)

    choices = {
        box.get("value"): page.one("label", **{"for": box.get("id") or ""}).text
        for box in page.find_all("input", name="decision")
    }
    assert choices["reject"] == words["refuse"]
    label = page.one("label", **{"for": "id_reason"}).text
    assert label == words["reason"]
    assert words["optional"] not in label
    if language == "zh-hans":
        assert "不予准予" not in page.text


@pytest.mark.parametrize(
    ("language", "needed", "optional"),
    [
        ("zh-hans", "（要求补正时至少选择一项）", "选填"),
        ("en", "(at least one, to ask for a correction)", "optional"),
    ],
)
def test_what_a_correction_needs_is_not_labelled_optional(
    pworld: Any, language: str, needed: str, optional: str
) -> None:
    app = submitted(pworld["citizen"])
    task = app.cases.get().tasks.get()
    page = parse(clerk_client(language).get(f"/backoffice/tasks/{task.pk}/").content)
    legends = [legend.text for legend in page.find_all("legend")]
    chosen = [text for text in legends if needed in text]
    assert chosen, legends
    assert not any(optional in text for text in chosen)
