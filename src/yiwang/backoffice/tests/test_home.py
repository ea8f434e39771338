"""The back-office home: only for staff logged in at the back office; shows their real roles."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.backoffice.roles import ROLE_DUTIES
from yiwang.core.testing.html import parse
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "lantern-orchid-canal-17"


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="localhost")


def test_anonymous_visitor_is_sent_to_the_back_office_login(client: Client) -> None:
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/login/?next=/backoffice/"


def test_staff_sees_each_active_role_with_its_department_and_duties(client, staff, log_in) -> None:
    client.cookies["django_language"] = "en"
    log_in(client, "clerk.zhou")
    response = client.get("/backoffice/")
    assert response.status_code == 200
    doc = parse(response.content)
    assert doc.one("h1").text == "Welcome, Zhou Min"
    rows = [
        [cell.text for cell in row.find_all("td")[:2]]
        for row in doc.one("table").one("tbody").find_all("tr")
    ]
    assert rows == [["Health Commission", "Auditor"], ["Market Regulation", "Reviewer"]]
    duties = [li.text for li in doc.one("tbody").find_all("tr")[1].find_all("li")]
    assert duties == [str(duty) for duty in ROLE_DUTIES[Role.REVIEWER]]
    # The inactive role at the tax bureau is not offered.
    assert "Tax Bureau" not in response.content.decode()


def test_staff_page_is_in_chinese_with_chinese_department_names(client, staff, log_in) -> None:
    log_in(client, "clerk.zhou")
    client.cookies["django_language"] = "zh-hans"
    doc = parse(client.get("/backoffice/").content)
    assert doc.one("html").get("lang") == "zh-Hans"
    cells = [row.find_all("td")[0].text for row in doc.one("tbody").find_all("tr")]
    assert cells == ["卫生健康委", "市场监管局"]
    assert doc.one("tbody").find_all("tr")[0].find_all("td")[1].text == "审计员"


def test_staff_without_an_active_role_is_told_how_to_get_one(client, db, log_in) -> None:
    account = StaffFactory(username="newcomer", password=PASSWORD, membership=None)
    assert not account.memberships.exists()
    client.cookies["django_language"] = "en"
    log_in(client, "newcomer")
    doc = parse(client.get("/backoffice/").content)
    assert doc.find("table") is None
    assert "Ask an admin of your department to give you a role." in doc.one("main").text


def test_back_office_shell_is_not_the_portal_shell(client, staff, log_in) -> None:
    client.cookies["django_language"] = "en"
    log_in(client, "clerk.zhou")
    doc = parse(client.get("/backoffice/").content)
    assert "shell--backoffice" in doc.one("body").classes
    assert doc.one("span", class_="site-header__tag").text == "Staff back office"
    assert doc.one("title").text == "Overview – Staff back office – One-Stop Government Services"
    assert doc.one("nav").one("a", aria_current="page").text == "Overview"
    logout = doc.one("div", class_="site-header__account").one("form")
    assert (logout.get("method"), logout.get("action")) == ("post", "/backoffice/logout/")
    assert logout.one("input", name="csrfmiddlewaretoken")


def test_citizen_session_cannot_open_the_back_office(client, db) -> None:
    CitizenFactory(username="citizen.li", password=PASSWORD)
    response = client.post("/login/", {"username": "citizen.li", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/backoffice/")
    assert response.status_code == 403
    assert "Welcome" not in response.content.decode()


def test_every_role_is_explained() -> None:
    assert set(ROLE_DUTIES) == set(Role.values)
    assert all(ROLE_DUTIES[role] for role in Role.values)
