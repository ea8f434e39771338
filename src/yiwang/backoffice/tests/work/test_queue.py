"""The department work queue: whose tasks, in what order, filtered, paged, claimed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yiwang.api.tests import world as w
from yiwang.applications.models import Task
from yiwang.core.testing.html import Element, parse
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def rows(response: Any) -> list[Element]:
    table = parse(response.content).find("table", class_="queue-table")
    return table.find("tbody").find_all("tr") if table else []


def receipts(response: Any) -> list[str]:
    return [r.find("a", class_="queue-table__receipt").text for r in rows(response)]


def set_due(task: Any, days_from_today: int) -> None:
    today = timezone.localdate()
    Task.objects.filter(pk=task.pk).update(due_date=today + dt.timedelta(days=days_from_today))


def test_the_queue_shows_only_the_clerks_departments_tasks(
    world: w.World, logged_in: Login
) -> None:
    mine = w.submitted(w.citizen())
    w.submitted(w.citizen(), service="sign-permit")  # the streets office's

    response = logged_in(w.clerk(world.licensing)).get("/backoffice/queue/")

    assert response.status_code == 200
    assert receipts(response) == [mine.receipt_number]


def test_overdue_first_with_the_deadline_in_words(world: w.World, logged_in: Login) -> None:
    later, late, soon = (w.submitted(w.citizen()) for _ in range(3))
    set_due(w.open_task(later), 9)
    set_due(w.open_task(late), -3)
    set_due(w.open_task(soon), 1)

    response = logged_in(w.clerk(world.licensing)).get("/backoffice/queue/")

    assert receipts(response) == [late.receipt_number, soon.receipt_number, later.receipt_number]
    words = [r.find("span", class_="deadline").text for r in rows(response)]
    assert words == ["Overdue by 3 days", "Due soon in 1 day", "On time in 9 days"]
    states = [r.find("span", class_="deadline").classes for r in rows(response)]
    assert ["deadline--overdue" in s for s in states] == [True, False, False]


def test_the_queue_reads_in_chinese_too(world: w.World, logged_in: Login) -> None:
    app = w.submitted(w.citizen())
    set_due(w.open_task(app), -1)

    response = logged_in(w.clerk(world.licensing), language="zh-hans").get("/backoffice/queue/")

    page = parse(response.content)
    assert page.find("html").get("lang") == "zh-Hans"
    assert "小店经营许可" in rows(response)[0].text


def test_filters_by_status_service_and_due_date(world: w.World, logged_in: Login) -> None:
    lead = w.clerk(world.licensing, Role.TEAM_LEAD)
    early, late = (w.submitted(w.citizen()) for _ in range(2))
    set_due(w.open_task(early), -10)
    set_due(w.open_task(late), 10)
    client = logged_in(lead)
    client.post(f"/backoffice/tasks/{w.open_task(late).pk}/claim/")
    cutoff = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    claimed = client.get("/backoffice/queue/", {"status": "claimed"})
    due = client.get("/backoffice/queue/", {"due_before": cutoff})
    service = client.get("/backoffice/queue/", {"service": "shop-permit"})

    assert receipts(claimed) == [late.receipt_number]
    assert receipts(due) == [early.receipt_number]
    assert receipts(service) == [early.receipt_number, late.receipt_number]


def test_a_wrong_filter_is_explained_in_the_error_summary(world: w.World, logged_in: Login) -> None:
    response = logged_in(w.clerk(world.licensing)).get(
        "/backoffice/queue/", {"due_before": "31/02/2026"}
    )

    page = parse(response.content)
    summary = page.find("div", class_="error-summary")
    assert summary is not None
    assert summary.find("a").get("href") == "#id_due_before"
    assert page.find("title").text.startswith("Error:")


def test_pages_go_forward_and_back_without_gaps_or_repeats(
    world: w.World, logged_in: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yiwang.backoffice.views import queue as queue_view

    monkeypatch.setattr(queue_view, "PAGE_SIZE", 2)
    apps = [w.submitted(w.citizen()) for _ in range(5)]
    for offset, app in enumerate(apps):
        set_due(w.open_task(app), offset)
    expected = [a.receipt_number for a in apps]
    client = logged_in(w.clerk(world.licensing))

    seen: list[list[str]] = []
    url = "/backoffice/queue/"
    pages = []
    while url:
        response = client.get(url)
        pages.append(response)
        seen.append(receipts(response))
        link = parse(response.content).find("a", rel="next")
        url = link.get("href") if link else None

    assert seen == [expected[0:2], expected[2:4], expected[4:5]]
    back = parse(pages[-1].content).find("a", rel="prev").get("href")
    assert receipts(client.get(back)) == expected[2:4]


def test_the_page_costs_the_same_number_of_queries_for_few_and_many_tasks(
    world: w.World, logged_in: Login
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clerk = w.clerk(world.licensing)
    client = logged_in(clerk)
    w.submitted(w.citizen())
    client.get("/backoffice/queue/")  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        client.get("/backoffice/queue/")
    for _ in range(6):
        w.submitted(w.citizen())
    with CaptureQueriesContext(connection) as many:
        response = client.get("/backoffice/queue/")

    assert len(rows(response)) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_claiming_from_the_queue_comes_back_to_the_same_queue(
    world: w.World, logged_in: Login
) -> None:
    clerk = w.clerk(world.licensing)
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(clerk)

    response = client.post(
        f"/backoffice/tasks/{task.pk}/claim/", {"next": "/backoffice/queue/?status=open"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/backoffice/queue/?status=open"
    task.refresh_from_db()
    assert task.status == "claimed" and task.assignee == clerk
    shown = client.get(response["Location"])
    assert "You are now handling" in parse(shown.content).find("ul", class_="messages").text


def test_claim_never_redirects_off_site(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))

    response = logged_in(w.clerk(world.licensing)).post(
        f"/backoffice/tasks/{task.pk}/claim/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == f"/backoffice/tasks/{task.pk}/"


def test_claiming_twice_says_why_it_cannot(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    first, second = w.clerk(world.licensing), w.clerk(world.licensing)
    logged_in(first).post(f"/backoffice/tasks/{task.pk}/claim/")

    response = logged_in(second).post(f"/backoffice/tasks/{task.pk}/claim/", follow=True)

    assert parse(response.content).find("li", class_="message--error") is not None
    task.refresh_from_db()
    assert task.assignee == first


def test_claiming_another_departments_task_is_not_found(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen(), service="sign-permit"))

    response = logged_in(w.clerk(world.licensing, Role.TEAM_LEAD)).post(
        f"/backoffice/tasks/{task.pk}/claim/"
    )

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_citizens_and_strangers_cannot_open_the_queue(world: w.World, logged_in: Login) -> None:
    anonymous = Client().get("/backoffice/queue/")
    citizen = logged_in(w.citizen()).get("/backoffice/queue/")

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/backoffice/login/")
    assert citizen.status_code == 403


def test_a_member_of_staff_without_a_case_role_sees_an_empty_queue(
    world: w.World, logged_in: Login
) -> None:
    w.submitted(w.citizen())
    auditor = w.clerk(world.licensing, Role.AUDITOR)

    response = logged_in(auditor).get("/backoffice/queue/")

    assert response.status_code == 200
    assert rows(response) == []
