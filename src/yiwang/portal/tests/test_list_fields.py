"""A form with a list of groups (the staff), a plain list and a list of options, filled in the
way a browser without JavaScript does: add and remove items, errors beside the exact part of the
exact item, nothing typed lost; then checked, submitted and read by the clerk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yiwang.applications.models import Application, Task
from yiwang.core.testing.html import Element
from yiwang.portal.tests.service_world import (
    FIXTURES,
    _media,
    citizen,
    client_for,
    html,
    page_url,
    start,
    submit,
    summary_links,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "world"]

LISTS: Path = FIXTURES / "lists"
PAGE = "business"
LI, WANG = "11010519491231002X", "440524198001010013"


@pytest.fixture
def staff_world(world: dict[str, Any]) -> dict[str, Any]:
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue

    catalogue.load_definitions([LISTS], actor=system_actor("test"), publish=True)
    return world


def post(client: Any, pk: int, data: dict[str, Any], action: str = "continue") -> Any:
    return client.post(page_url(pk, PAGE), {**data, "action": action})


def found(element: Element | None) -> Element:
    assert element is not None
    return element


def values(doc: Any) -> dict[str, str]:
    return {i.get("name"): i.get("value") or "" for i in doc.find_all("input") if i.get("name")}


def test_the_page_shows_one_item_to_fill_with_labelled_parts_and_an_add_button(
    staff_world: Any, citizen: Any
) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    doc = html(client.get(page_url(pk, PAGE)))
    assert values(doc)["staff-items"] == "1"
    name = doc.find(id="id_staff__0__name")
    assert name is not None and name.get("name") == "staff__0__name"
    assert found(doc.find("label", **{"for": "id_staff__0__name"})).text.strip() == "Name"
    legends = [legend.text.strip() for legend in doc.find_all("legend")]
    assert "Member of staff 1" in legends
    add = doc.find("button", **{"value": "add:staff"})
    assert add is not None and "Add another Member of staff" in add.text
    # One item is the fewest this list shows (minItems 1): nothing to remove.
    assert doc.find("button", **{"value": "remove:staff:0"}) is None


def test_add_keeps_what_was_typed_and_stops_at_max_items(staff_world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    typed = {"business_name": "Plum Café", "staff-items": "1", "staff__0__name": "Li Hua",
             "staff__0__hours": "many"}  # fmt: skip
    doc = html(post(client, pk, typed, "add:staff"))
    shown = values(doc)
    assert shown["staff-items"] == "2"
    assert shown["staff__0__name"] == "Li Hua" and shown["staff__0__hours"] == "many"
    assert shown["staff__1__name"] == ""
    assert doc.find(class_="error-summary") is None  # still filling in: no messages yet
    saved = Application.objects.get(pk=pk).form_data
    assert saved["staff"] == [{"name": "Li Hua", "hours": "many"}]
    more = {**typed, "staff-items": "2", "staff__1__name": "Wang Wu"}
    doc = html(post(client, pk, more, "add:staff"))
    assert values(doc)["staff-items"] == "3"
    assert doc.find("button", **{"value": "add:staff"}) is None  # maxItems 3
    doc = html(post(client, pk, {**more, "staff-items": "3"}, "add:staff"))
    assert values(doc)["staff-items"] == "3"


def test_remove_takes_out_one_item_and_moves_the_others_up(staff_world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    three = {"business_name": "Plum Café", "staff-items": "3",
             "staff__0__name": "Li Hua", "staff__0__id_number": LI,
             "staff__1__name": "Zhang San", "staff__2__name": "Wang Wu",
             "staff__2__id_number": WANG, "staff__2__hours": "20"}  # fmt: skip
    doc = html(post(client, pk, three, "remove:staff:1"))
    shown = values(doc)
    assert shown["staff-items"] == "2"
    assert shown["staff__0__name"] == "Li Hua"
    assert shown["staff__1__name"] == "Wang Wu" and shown["staff__1__hours"] == "20"
    assert "staff__2__name" not in shown
    assert Application.objects.get(pk=pk).form_data["staff"] == [
        {"name": "Li Hua", "id_number": LI},
        {"name": "Wang Wu", "id_number": WANG, "hours": 20},
    ]
    assert doc.find("button", **{"value": "remove:staff:1"}) is not None


def test_errors_sit_beside_the_part_of_the_item_and_link_from_the_summary(
    staff_world: Any, citizen: Any
) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    typed = {"business_name": "Plum Café", "staff-items": "2",
             "staff__0__name": "Li Hua", "staff__0__id_number": LI,
             "staff__1__name": "Wang Wu", "staff__1__id_number": "12345", "staff__1__hours": "x",
             "phones": "13800138000\n12345"}  # fmt: skip
    response = post(client, pk, typed)
    doc = html(response)
    links = summary_links(doc)
    assert "#id_staff__1__id_number" in links and "#id_staff__1__hours" in links
    assert "#id_phones" in links
    error = doc.find(id="id_staff__1__id_number-error")
    assert error is not None and "Member of staff 2" in error.text
    assert "A citizen ID number has 18 characters" in error.text
    assert doc.find(id="id_staff__0__id_number-error") is None
    assert "Line 2" in found(doc.find(id="id_phones-error")).text
    shown = values(doc)
    assert shown["staff__1__id_number"] == "12345" and shown["staff__1__hours"] == "x"
    assert found(doc.find("textarea", **{"name": "phones"})).text.strip().endswith("12345")


def test_a_missing_part_is_named_in_the_persons_language(staff_world: Any, citizen: Any) -> None:
    client = client_for(citizen, language="zh-hans")
    pk = start(client, "service", "staff-register")
    typed = {"business_name": "梅花咖啡", "staff-items": "2", "staff__0__name": "李华",
             "staff__0__id_number": LI, "staff__1__name": "王五"}  # fmt: skip
    doc = html(post(client, pk, typed))
    assert summary_links(doc) == ["#id_staff__1__id_number"]
    error = found(doc.find(id="id_staff__1__id_number-error")).text
    assert "员工 2" in error and "身份证号码" in error


def test_a_list_is_checked_submitted_and_read_by_the_clerk(
    staff_world: dict[str, Any], citizen: Any
) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    answers = {"business_name": "Plum Café", "staff-items": "2",
               "staff__0__name": "Li Hua", "staff__0__id_number": LI, "staff__0__hours": "40",
               "staff__1__name": "Wang Wu", "staff__1__id_number": WANG,
               "phones": "13800138000", "shifts": ["day", "night"]}  # fmt: skip
    assert post(client, pk, answers).status_code == 302
    saved = Application.objects.get(pk=pk).form_data
    assert saved["staff"][0] == {"name": "Li Hua", "id_number": LI, "hours": 40}
    assert saved["phones"] == ["13800138000"] and saved["shifts"] == ["day", "night"]
    check = html(client.get(f"/my/applications/{pk}/check/"))
    items = [li.text for li in found(check.find(class_="answer-items")).find_all("li")]
    assert items == [f"Name: Li HuaID number: {LI}Hours a week: 40",
                     f"Name: Wang WuID number: {WANG}"]  # fmt: skip
    response = submit(client, pk)
    assert response.status_code == 302 and response["Location"].endswith("/receipt/")
    task = Task.objects.get(case__application_id=pk)
    clerk = client_for(staff_world["clerks"]["city.reviewer"])
    page = html(clerk.get(f"/backoffice/tasks/{task.pk}/"))
    blocks = [li.text for li in found(page.find(class_="answer-items")).find_all("li")]
    assert blocks == [f"Name: Li HuaID number: {LI}Hours a week: 40",
                      f"Name: Wang WuID number: {WANG}"]  # fmt: skip
    assert "Day; Night" in page.text


def test_submitting_with_a_wrong_item_links_to_its_part(staff_world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    typed = {"business_name": "Plum Café", "staff-items": "2",
             "staff__0__name": "Li Hua", "staff__0__id_number": LI,
             "staff__1__name": "Wang Wu"}  # fmt: skip
    post(client, pk, typed, "later")
    doc = html(submit(client, pk))
    links = summary_links(doc)
    assert any(link.endswith("#id_staff__1__id_number") for link in links), links
    assert "Member of staff 2" in found(doc.find(class_="error-summary")).text
    page = html(client.get(page_url(pk, PAGE)))
    assert values(page)["staff-items"] == "2"
    assert page.find(id="id_staff__1__id_number") is not None


def test_the_api_takes_and_gives_a_list_and_names_the_part_of_the_item_that_is_wrong(
    staff_world: Any, citizen: Any
) -> None:
    client = client_for(citizen)
    created = client.post(
        "/api/v1/applications", {"service": "staff-register"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    app_id = created.json()["id"]
    url = f"/api/v1/applications/{app_id}/draft"
    staff = [{"name": "Li Hua", "id_number": LI}, {"name": "Wang Wu", "hours": 99}]
    body = {"page": PAGE, "data": {"business_name": "Plum Café", "staff": staff}}
    wrong = client.patch(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 422
    fields = wrong.json()["error"]["fields"]
    assert fields == {
        "staff.1.id_number": ["This field is required."],
        "staff.1.hours": ["Enter a number of 60 or less."],
    }
    assert client.get(url).json()["data"]["staff"] == staff  # saved, wrong or not
    staff[1] = {"name": "Wang Wu", "id_number": WANG, "hours": 20}
    right = client.patch(url, body, content_type="application/json")
    assert right.status_code == 200
    assert right.json()["data"]["staff"] == staff


def test_a_correction_of_a_list_adds_an_item_without_sending(
    staff_world: dict[str, Any], citizen: Any
) -> None:
    from yiwang.applications import services as application_services
    from yiwang.applications.constants import CorrectionStatus, Decision
    from yiwang.applications.models import CorrectionRequest

    client = client_for(citizen)
    pk = start(client, "service", "staff-register")
    answers = {"business_name": "Plum Café", "staff-items": "1",
               "staff__0__name": "Li Hua", "staff__0__id_number": LI}  # fmt: skip
    assert post(client, pk, answers).status_code == 302
    assert submit(client, pk).status_code == 302
    application_services.decide_task(
        actor=staff_world["clerks"]["city.reviewer"],
        task=Task.objects.get(case__application_id=pk),
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["staff"],
        correction_materials=[],
        note="Add the night porter.",
    )
    asked = CorrectionRequest.objects.get(case__application_id=pk)
    url = f"/my/applications/{pk}/corrections/{asked.pk}/"
    shown = values(html(client.get(url)))
    assert shown["staff-items"] == "1" and shown["staff__0__name"] == "Li Hua"
    more = {"staff-items": "1", "staff__0__name": "Li Hua", "staff__0__id_number": LI,
            "action": "add:staff"}  # fmt: skip
    doc = html(client.post(url, more))
    assert values(doc)["staff-items"] == "2" and values(doc)["staff__0__name"] == "Li Hua"
    asked.refresh_from_db()
    assert asked.status == CorrectionStatus.OPEN
    sent = {**more, "staff-items": "2", "staff__1__name": "Wang Wu",
            "staff__1__id_number": WANG, "action": ""}  # fmt: skip
    assert client.post(url, sent).status_code == 302
    staff = Application.objects.get(pk=pk).form_data["staff"]
    assert [person["name"] for person in staff] == ["Li Hua", "Wang Wu"]


@pytest.mark.parametrize(
    ("language", "too_few", "too_many"),
    [
        ("en", "Add at least 1 entry to “Staff”.", "Give no more than 3 entries for “Staff”."),
        ("zh-hans", "请为“员工”至少填写 1 项。", "“员工”最多填写 3 项。"),
    ],
)
def test_too_few_or_too_many_items_name_the_list_in_the_persons_language(
    staff_world: Any, citizen: Any, language: str, too_few: str, too_many: str
) -> None:
    client = client_for(citizen, language=language)
    created = client.post(
        "/api/v1/applications", {"service": "staff-register"}, content_type="application/json"
    )
    url = f"/api/v1/applications/{created.json()['id']}/draft"
    person = {"name": "Li Hua", "id_number": LI}
    for staff, message in (([], too_few), ([person] * 4, too_many)):
        body = {"page": PAGE, "data": {"business_name": "Plum Café", "staff": staff}}
        wrong = client.patch(
            url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert wrong.status_code == 422
        assert wrong.json()["error"]["fields"] == {"staff": [message]}
