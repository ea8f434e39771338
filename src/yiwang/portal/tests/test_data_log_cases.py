"""The application a read of a person's data was for, on "Who used my data": reads made while the
application was a draft name it as the person knows it (its title, then its receipt number once
sent), with a link to it — never the platform's internal reference, and never anything about an
application that is not the person's."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import services
from yiwang.applications.models import Application
from yiwang.applications.tests.test_prefill import pworld, start
from yiwang.applications.tests.test_prefill_corrections import submitted
from yiwang.core.testing.html import Element
from yiwang.identity.models import Person
from yiwang.identity.tests.factories import CitizenFactory
from yiwang.portal.tests.service_world import client_for, html

pytestmark = pytest.mark.django_db
__all__ = ["pworld"]

CASE = {"en": "Case", "zh-hans": "事项"}


def case_cells(account: Any, language: str = "en") -> list[Element]:
    """The "Case" value of every entry on the person's log."""
    page = html(client_for(account, language).get("/my/data/"))
    return [
        row.one("dd")
        for row in page.one("ul", class_="result-list").find_all("div")
        if [dt.text for dt in row.find_all("dt")] == [CASE[language]]
    ]


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Family registration"), ("zh-hans", "家庭登记")]
)
def test_a_read_for_a_draft_names_the_application_and_links_to_it(
    pworld: Any, language: str, title: str
) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    services.prefill_application(actor=citizen, application=app)

    cells = case_cells(citizen, language)

    assert len(cells) == 3
    for cell in cells:
        assert cell.text == title
        assert [a.get("href") for a in cell.find_all("a")] == [f"/my/applications/{app.pk}/"]
    assert f"draft-{app.pk}" not in html(client_for(citizen, language).get("/my/data/")).text


def test_once_sent_a_draft_read_shows_the_receipt_number(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)

    cells = case_cells(citizen)

    # The reads of the draft, and any made since under the receipt number, all name it.
    assert cells and {cell.text for cell in cells} == {app.receipt_number}
    for cell in cells:
        assert [a.get("href") for a in cell.find_all("a")] == [f"/my/applications/{app.pk}/"]


def test_a_read_for_someone_elses_application_says_nothing_about_it(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    services.prefill_application(actor=citizen, application=app)
    # The draft the reads were made for now belongs to someone else.
    other = CitizenFactory(username="stranger", display_name="Wang Fang")
    Application.objects.filter(pk=app.pk).update(applicant=Person.objects.get(account=other))

    cells = case_cells(citizen)

    assert len(cells) == 3
    for cell in cells:
        assert cell.text == "An application not yet submitted"
        assert cell.find_all("a") == []
    page = html(client_for(citizen).get("/my/data/")).text
    assert f"draft-{app.pk}" not in page
    assert "Family registration" not in page
