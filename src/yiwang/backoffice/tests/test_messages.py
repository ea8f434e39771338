"""The back office's Messages pages: staff read their own messages and no one else's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.core.testing.html import Element, parse
from yiwang.identity.tests.factories import CitizenFactory, StaffFactory
from yiwang.notifications import services as notification_services
from yiwang.notifications.constants import Event
from yiwang.notifications.models import InboxMessage

pytestmark = pytest.mark.django_db

PASSWORD = "lantern-orchid-canal-17"
START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def client() -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = "en"
    return client


def message_to(account: Any, subject: str, *, minutes: int = 0, read: bool = False) -> InboxMessage:
    created = START + dt.timedelta(minutes=minutes)
    return InboxMessage.objects.create(
        idempotency_key=f"test:{account.pk}:{subject}",
        recipient=account,
        event=Event.DEADLINE_WARNING,
        subject=subject,
        body=f"{subject}: first line.\nSecond line.",
        created_at=created,
        read_at=created if read else None,
    )


def nav_link(doc: Element) -> Element:
    nav = doc.one("nav", class_="primary-nav")
    return next(a for a in nav.find_all("a") if a.get("href") == "/backoffice/messages/")


def test_staff_see_only_their_own_messages_newest_first_with_unread_marked(
    client, staff, log_in
) -> None:
    message_to(staff, "Case due soon", minutes=1)
    message_to(staff, "Your password was changed", minutes=2, read=True)
    message_to(staff, "Correction received", minutes=3)
    colleague = StaffFactory(username="clerk.wu", password=PASSWORD)
    message_to(colleague, "Wu's overdue case", minutes=4)
    citizen = CitizenFactory()
    message_to(citizen, "Your application was received", minutes=5)
    log_in(client, "clerk.zhou")

    response = client.get("/backoffice/messages/")

    assert response.status_code == 200
    main = parse(response.content).one("main")
    assert main.one("h1").text == "Messages"
    assert "2 unread messages" in main.text
    items = main.one("ul", class_="result-list").find_all("li")
    assert [item.one("a").text for item in items] == [
        "Correction received",
        "Your password was changed",
        "Case due soon",
    ]
    assert ["unread" in item.classes for item in items] == [True, False, True]
    assert [item.one("span").text for item in items] == ["Unread", "Read", "Unread"]
    assert "Wu's overdue case" not in response.content.decode()
    assert "Your application was received" not in response.content.decode()


def test_opening_a_message_shows_it_and_marks_it_read(client, staff, log_in) -> None:
    message = message_to(staff, "Correction received")
    log_in(client, "clerk.zhou")

    response = client.get(f"/backoffice/messages/{message.pk}/")

    assert response.status_code == 200
    main = parse(response.content).one("main")
    assert main.one("h1").text == "Correction received"
    body = main.one("div", class_="measure")
    # The body keeps its lines: one paragraph, the line break kept as <br>.
    assert [p.text for p in body.find_all("p")] == ["Correction received: first line.Second line."]
    assert len(body.find_all("br")) == 1
    message.refresh_from_db()
    first_read = message.read_at
    assert first_read is not None
    # Opening it again leaves it as it was.
    assert client.get(f"/backoffice/messages/{message.pk}/").status_code == 200
    message.refresh_from_db()
    assert message.read_at == first_read
    listed = parse(client.get("/backoffice/messages/").content).one("main")
    assert "0 unread messages" in listed.text
    assert listed.find("li", class_="unread") is None


def test_another_accounts_message_is_not_found_and_stays_unread(client, staff, log_in) -> None:
    colleague = StaffFactory(username="clerk.wu", password=PASSWORD)
    theirs = message_to(colleague, "Wu's overdue case")
    citizens = message_to(CitizenFactory(), "Your application was received")
    log_in(client, "clerk.zhou")

    for message in (theirs, citizens):
        response = client.get(f"/backoffice/messages/{message.pk}/")
        assert response.status_code == 404
        assert message.subject not in response.content.decode()
        message.refresh_from_db()
        assert message.read_at is None
    assert client.get("/backoffice/messages/999999/").status_code == 404


def test_navigation_counts_unread_messages_until_they_are_read(client, staff, log_in) -> None:
    first = message_to(staff, "Case due soon", minutes=1)
    second = message_to(staff, "Case overdue", minutes=2)
    message_to(staff, "Old news", minutes=3, read=True)
    message_to(StaffFactory(username="clerk.wu", password=PASSWORD), "Not mine")
    log_in(client, "clerk.zhou")

    link = nav_link(parse(client.get("/backoffice/").content))
    assert link.text == "Messages 2 unread"
    assert link.one("span", class_="tag").text == "2 unread"

    client.get(f"/backoffice/messages/{first.pk}/")
    link = nav_link(parse(client.get(f"/backoffice/messages/{first.pk}/").content))
    assert link.text == "Messages 1 unread"
    assert link.get("aria-current") == "page"

    client.get(f"/backoffice/messages/{second.pk}/")
    link = nav_link(parse(client.get("/backoffice/messages/").content))
    assert link.text == "Messages"
    assert link.find("span", class_="tag") is None
    assert link.get("aria-current") == "page"


def test_navigation_count_is_in_chinese_on_chinese_pages(client, staff, log_in) -> None:
    message_to(staff, "Case due soon")
    log_in(client, "clerk.zhou")
    client.cookies["django_language"] = "zh-hans"

    doc = parse(client.get("/backoffice/messages/").content)

    assert nav_link(doc).text == "消息 1 条未读"
    assert doc.one("h1").text == "消息"
    assert "1 条未读消息" in doc.one("main").text


def test_a_staff_notification_arrives_in_the_back_office_messages(client, staff, log_in) -> None:
    notification_services.notify(
        event=Event.PASSWORD_CHANGED,
        accounts=[staff],
        language="en",
        discriminator="test",
        context={"account": staff, "how": "changed", "realm": "backoffice", "changed_at": START},
    )
    log_in(client, "clerk.zhou")

    main = parse(client.get("/backoffice/messages/").content).one("main")

    item = main.one("li", class_="unread")
    assert item.one("a").text == "Your password was changed"
    opened = parse(client.get(item.one("a").get("href")).content).one("main")
    assert opened.one("h1").text == "Your password was changed"


def test_messages_are_paged_twenty_at_a_time(client, staff, log_in) -> None:
    for n in range(21):
        message_to(staff, f"Message {n:02d}", minutes=n)
    log_in(client, "clerk.zhou")

    first = parse(client.get("/backoffice/messages/").content).one("main")
    second = parse(client.get("/backoffice/messages/?page=2").content).one("main")

    first_items = first.one("ul", class_="result-list").find_all("li")
    assert len(first_items) == 20
    assert first_items[0].one("a").text == "Message 20"
    assert [li.one("a").text for li in second.one("ul", class_="result-list").find_all("li")] == [
        "Message 00"
    ]
    assert "Page 2 of 2" in second.one("nav").text


def test_messages_need_a_back_office_login(client, staff) -> None:
    message = message_to(staff, "Case due soon")
    for url in ("/backoffice/messages/", f"/backoffice/messages/{message.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/backoffice/login/?next=")
    message.refresh_from_db()
    assert message.read_at is None


def test_the_messages_page_counts_unread_messages_once(client, staff, log_in) -> None:
    message_to(staff, "Case due soon", minutes=1)
    log_in(client, "clerk.zhou")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/backoffice/messages/")

    assert "1 unread message" in parse(response.content).one("main").text
    assert nav_link(parse(response.content)).text == "Messages 1 unread"
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "notifications_inboxmessage" in q["sql"]
    ]
    # One count for the heading and the navigation, one for the pages of the list.
    assert len(counts) == 2, counts
