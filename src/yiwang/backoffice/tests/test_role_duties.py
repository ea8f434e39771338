"""The duties the back-office home lists for a role match what the role may do."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.core.testing.html import parse
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "lantern-orchid-canal-17"


@pytest.fixture
def officer(db):
    registrar = DepartmentFactory(code="registrar", name_en="Public Security", name_zh="公安局")
    return StaffFactory(
        username="officer.lin",
        password=PASSWORD,
        membership__department=registrar,
        membership__role=Role.DATA_OFFICER,
    )


def duties_on_home(language: str) -> list[str]:
    client = Client()
    client.cookies["django_language"] = language
    response = client.post("/backoffice/login/", {"username": "officer.lin", "password": PASSWORD})
    assert response.status_code == 302
    doc = parse(client.get("/backoffice/").content)
    (row,) = doc.one("tbody").find_all("tr")
    return [li.text for li in row.find_all("li")]


def test_a_data_officer_is_told_they_decide_wrong_values_people_report(officer) -> None:
    duties = duties_on_home("en")
    assert (
        "Decide the wrong values people report in your department's registries: "
        "record each as corrected, or say why the record stays as it is."
    ) in duties
    # The page the duty points to opens for them.
    client = Client()
    client.force_login(officer)
    assert client.get("/backoffice/exchange/corrections/").status_code == 200


def test_the_duty_is_in_chinese_for_chinese_staff(officer) -> None:
    duties = duties_on_home("zh-hans")
    assert (
        "处理群众报告的本部门基础库错误信息（数据纠错）：记录为已更正，或说明不予更正的理由。"
        in duties
    )


def test_no_role_is_told_of_a_duty_the_platform_does_not_offer(officer) -> None:
    from yiwang.backoffice.roles import ROLE_DUTIES

    every = " ".join(str(d) for duties in ROLE_DUTIES.values() for d in duties)
    for missing in ("automated decision", "algorithm register", "complaint", "rating"):
        assert missing not in every.lower()
    assert (
        "Answer the flags people raise on reads of your department's data: say what you "
        "found and what was done."
    ) in duties_on_home("en")
