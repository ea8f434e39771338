"""The answers on a task's page say which came from official records: the registry, and the day
its record was current as of. Answers the applicant typed, or gave instead in a correction (补正),
are not marked."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from yiwang.applications import services
from yiwang.applications.models import Application, PrefillSnapshot
from yiwang.applications.tests.test_prefill import pworld
from yiwang.applications.tests.test_prefill_corrections import ask, submitted
from yiwang.backoffice import presenters
from yiwang.backoffice.tests.test_registry_answer_corrections import clerk_client
from yiwang.core.testing.html import parse

pytestmark = pytest.mark.django_db
__all__ = ["pworld"]

# Late on 19 November in UTC is already 20 November in the platform's time zone (Asia/Shanghai).
AS_OF = "2026-11-19T17:30:00+00:00"

MARKS = {
    "en": {
        "full_name": "From People registry, as of Nov. 20, 2026",
        "address": "From People registry, as of Nov. 20, 2026",
        "certificate_number": "From Certificates registry, as of Nov. 20, 2026",
    },
    "zh-hans": {
        "full_name": "来自人口库，截至 2026年11月20日",
        "address": "来自人口库，截至 2026年11月20日",
        "certificate_number": "来自证书库，截至 2026年11月20日",
    },
}
TITLES = {
    "en": {
        "full_name": "Full name",
        "address": "Address",
        "certificate_number": "Certificate number",
        "reason": "Reason",
    },
    "zh-hans": {
        "full_name": "姓名",
        "address": "住址",
        "certificate_number": "证书编号",
        "reason": "事由",
    },
}


def read_as_of(app: Application, moment: str) -> None:
    """Say every record the application's registry answers came from was current at ``moment``."""
    snapshot = PrefillSnapshot.objects.get(application=app)
    snapshot.fields = {
        name: {**entry, "as_of": moment} if "as_of" in entry else entry
        for name, entry in snapshot.fields.items()
    }
    snapshot.save(update_fields=["fields"])


def answer_marks(app: Application, language: str) -> dict[str, list[str]]:
    """The marks under each answer of "The application", by the answer's title."""
    task = app.cases.get().tasks.get()
    response = clerk_client(language).get(f"/backoffice/tasks/{task.pk}/")
    assert response.status_code == 200
    section = parse(response.content).one("section", aria_labelledby="answers-heading")
    return {
        row.one("dt").text: [mark.text for mark in row.one("dd").find_all(class_="hint")]
        for row in section.find_all("div")
        if row.find_all("dt")
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_registry_answers_say_where_they_came_from(pworld: Any, language: str) -> None:
    app = submitted(pworld["citizen"])
    read_as_of(app, AS_OF)

    marks = answer_marks(app, language)

    titles = TITLES[language]
    for name, mark in MARKS[language].items():
        assert marks[titles[name]] == [mark]
    # The reason was typed by the applicant.
    assert marks[titles["reason"]] == []


def test_a_record_without_a_date_names_only_its_registry(pworld: Any) -> None:
    app = submitted(pworld["citizen"])
    snapshot = PrefillSnapshot.objects.get(application=app)
    snapshot.fields = {
        name: {k: v for k, v in entry.items() if k != "as_of"}
        for name, entry in snapshot.fields.items()
    }
    snapshot.save(update_fields=["fields"])

    marks = answer_marks(app, "en")

    assert marks["Address"] == ["From People registry"]


def test_an_answer_given_instead_in_a_correction_is_not_marked(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    read_as_of(app, AS_OF)
    correction = ask(app, ["address"])
    services.resubmit_correction(actor=citizen, correction=correction, data={"address": "新路2号"})

    marks = answer_marks(app, "en")

    assert marks["Address"] == []
    assert marks["Full name"] == [MARKS["en"]["full_name"]]


def test_an_application_without_registry_answers_has_no_marks(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    PrefillSnapshot.objects.filter(application=app).delete()

    marks = answer_marks(app, "en")

    assert marks and all(found == [] for found in marks.values())


def test_a_value_that_is_no_longer_the_registrys_is_not_said_to_be(pworld: Any) -> None:
    entry = {
        "registry": "people",
        "registry_name": {"zh": "人口库", "en": "People registry"},
        "value": "示例路1号",
        "as_of": AS_OF,
    }

    class Page:
        id = "who"
        title = {"zh": "申请人", "en": "Applicant"}
        fields = ["address"]

    class Form:
        fields = {"address": {"type": "string"}}
        pages = [Page()]

    with translation.override("en"):
        kept = presenters.answer_pages(Form(), {"address": "示例路1号"}, {"address": entry})
        changed = presenters.answer_pages(Form(), {"address": "新路2号"}, {"address": entry})

    assert kept[0].answers[0].source == MARKS["en"]["address"]
    assert changed[0].answers[0].source == ""
