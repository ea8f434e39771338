"""The audit log in the back office: auditors search it, open events and have it verified;
no one else gets in, and every look at the log is itself on the record."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent, Leaf, VerificationRun
from yiwang.audit.runs import run_verification
from yiwang.audit.services import record_event, seal
from yiwang.audit.tests.conftest import run_as_attacker
from yiwang.backoffice.tests.conftest import PASSWORD
from yiwang.backoffice.views.audit import PAGE_SIZE, subject_of
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import CitizenFactory, DepartmentFactory, StaffFactory
from yiwang.notifications.constants import Event
from yiwang.notifications.models import InboxMessage

PERSON = "11010519491231002X"
OTHER = "110101199003076574"
FIRM = "91110105MA01AAAA0A"


@pytest.fixture
def auditor(staff: Any, client: Client, log_in: Any) -> Client:
    log_in(client, staff.username)
    return client


def _event(subject: str, action: str = "exchange.record_read", **data: Any) -> AuditEvent:
    return record_event(
        actor=SYSTEM,
        action=action,
        object_type="exchange.registry",
        object_id="household",
        subjects=[f"person:{subject}"],
        data=data or {"n": 1},
    )


def _last(action: str) -> AuditEvent:
    found = AuditEvent.objects.filter(action=action).order_by("-id").first()
    assert found is not None, f"no {action} event"
    return found


def test_subject_is_read_from_what_an_auditor_types() -> None:
    assert subject_of(PERSON) == f"person:{PERSON}"
    assert subject_of(" 11010519491231002x ") == f"person:{PERSON}"
    assert subject_of(FIRM) == f"firm:{FIRM}"
    assert subject_of(f"person:{PERSON}") == f"person:{PERSON}"
    assert subject_of("11010519491231002") is None  # one character short
    assert subject_of("110105194912310021") is None  # wrong check digit
    assert subject_of("person: 1") is None


@pytest.mark.django_db
def test_only_auditors_and_platform_admins_get_in(client: Client, log_in: Any) -> None:
    clerk = StaffFactory(username="clerk.only", password=PASSWORD, membership__role=Role.REVIEWER)
    event = _event(PERSON)
    log_in(client, clerk.username)
    assert client.get("/backoffice/audit/").status_code == 403
    assert client.get(f"/backoffice/audit/events/{event.pk}/").status_code == 403
    assert client.post("/backoffice/audit/verify/").status_code == 403
    assert not VerificationRun.objects.exists()

    admin = StaffFactory(
        username="admin.only",
        password=PASSWORD,
        membership__department=DepartmentFactory(code="platform"),
        membership__role=Role.PLATFORM_ADMIN,
    )
    client.logout()
    log_in(client, admin.username)
    assert client.get("/backoffice/audit/").status_code == 200


@pytest.mark.django_db
def test_citizens_never_reach_the_audit_log(client: Client) -> None:
    citizen = CitizenFactory(username="citizen.li", password=PASSWORD)
    client.force_login(citizen)
    response = client.get("/backoffice/audit/")
    assert response.status_code in (302, 403)
    assert b"exchange.record_read" not in response.content


def test_search_by_subject_shows_only_their_events_and_is_recorded(auditor: Client) -> None:
    mine = [_event(PERSON, n=i) for i in range(3)]
    _event(OTHER)
    response = auditor.get("/backoffice/audit/", {"subject": PERSON.lower()})
    assert response.status_code == 200
    assert "<title>搜索结果 – 审计日志 –" in response.content.decode()
    shown = [event.pk for event in response.context["events"]]
    assert shown == [event.pk for event in reversed(mine)]
    viewed = _last("audit.log_viewed")
    assert viewed.subjects == [f"person:{PERSON}"]
    assert viewed.data["filters"] == {"subject": f"person:{PERSON}"}
    assert viewed.data["shown"] == 3
    assert "符合搜索条件的事件" in response.content.decode()  # the default language


def test_filters_combine(auditor: Client) -> None:
    _event(PERSON, action="exchange.record_read")
    wanted = _event(PERSON, action="applications.case_submitted")
    _event(OTHER, action="applications.case_submitted")
    response = auditor.get(
        "/backoffice/audit/",
        {"subject": PERSON, "action": "applications.case_submitted", "object_id": "household"},
    )
    assert [event.pk for event in response.context["events"]] == [wanted.pk]
    response = auditor.get(
        "/backoffice/audit/", {"action": "no.such_action"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["events"] == []
    assert "No event matches this search." in response.content.decode()


def test_bad_filters_are_explained_next_to_their_fields(auditor: Client) -> None:
    _event(PERSON)
    response = auditor.get(
        "/backoffice/audit/",
        {"subject": "110105194912310021", "since": "2026-13-01", "until": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "neither a valid national ID number" in form.errors["subject"][0]
    assert form.errors["since"] == ["Enter a date like 2026-03-01."]
    assert response.context["events"] == []  # nothing is shown for a search that failed
    response = auditor.get("/backoffice/audit/", {"since": "2026-03-31", "until": "2026-03-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["until"]


def test_dates_include_the_last_day(auditor: Client, settings: Any) -> None:
    event = _event(PERSON)
    day = event.created_at.astimezone().date().isoformat()
    response = auditor.get("/backoffice/audit/", {"since": day, "until": day})
    assert event.pk in [e.pk for e in response.context["events"]]
    response = auditor.get("/backoffice/audit/", {"until": "2000-01-01"})
    assert response.context["events"] == []


def test_pages_go_back_in_time_without_repeating_an_event(auditor: Client) -> None:
    made = [_event(PERSON, n=i).pk for i in range(PAGE_SIZE + 7)]
    first = auditor.get("/backoffice/audit/", {"subject": PERSON})
    page_one = [e.pk for e in first.context["events"]]
    assert page_one == sorted(made, reverse=True)[:PAGE_SIZE]
    older = first.context["older_url"]
    assert older is not None and "subject=" in older
    second = auditor.get(older)
    page_two = [e.pk for e in second.context["events"]]
    assert page_two == sorted(made, reverse=True)[PAGE_SIZE:]
    assert second.context["older_url"] is None
    assert "before" not in second.context["newest_url"]


def test_event_page_shows_its_seal_and_is_recorded(auditor: Client) -> None:
    event = _event(PERSON, agreement="AG-1")
    unsealed = auditor.get(f"/backoffice/audit/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert unsealed.status_code == 200
    assert unsealed.context["seal"].position is None
    assert "Not sealed yet" in unsealed.content.decode()
    # Who acted, the record and each person lead to their other events.
    assert (
        '<a href="/backoffice/audit/?object_type=exchange.registry&amp;object_id=household"'
        in unsealed.content.decode()
    )
    assert '<a href="/backoffice/audit/?actor_id=platform"' in unsealed.content.decode()
    assert "(System <a" in unsealed.content.decode()  # the actor's kind in words
    chinese = auditor.get(f"/backoffice/audit/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "(系统 <a" in chinese.content.decode()
    assert f'<a href="/backoffice/audit/?subject=person%3A{PERSON}">' in unsealed.content.decode()
    viewed = _last("audit.event_viewed")
    assert (viewed.object_type, viewed.object_id) == ("audit.auditevent", str(event.pk))
    assert viewed.subjects == [f"person:{PERSON}"]

    seal()
    page = auditor.get(f"/backoffice/audit/events/{event.pk}/")
    assert page.context["seal"].content_matches is True
    assert page.context["seal"].checkpoint is not None
    assert '"agreement": "AG-1"' in page.context["details"]
    assert "&quot;agreement&quot;: &quot;AG-1&quot;" in page.content.decode()

    run_as_attacker(
        "UPDATE audit_auditevent SET data_json = %s WHERE id = %s", ['{"n":2}', event.pk]
    )
    changed = auditor.get(f"/backoffice/audit/events/{event.pk}/")
    assert changed.context["seal"].content_matches is False


def test_event_page_shows_the_sealed_content_hash_not_the_stored_copy(auditor: Client) -> None:
    event = _event(PERSON)
    assert auditor.get(f"/backoffice/audit/events/{event.pk}/").context["content_hash"] == (
        bytes(event.content_hash).hex()
    )
    seal()
    sealed = bytes(Leaf.objects.get(event_id=event.pk).content_hash).hex()
    # Once sealed, the copy stored with the event is not what verification checks: an attacker
    # could change it unseen, so the page must not show it as the event's hash.
    run_as_attacker(
        "UPDATE audit_auditevent SET content_hash = %s WHERE id = %s", [b"\x42" * 32, event.pk]
    )
    page = auditor.get(f"/backoffice/audit/events/{event.pk}/")
    assert page.context["content_hash"] == sealed
    assert ("42" * 32) not in page.content.decode()


def test_head_requests_show_nothing_and_record_nothing(auditor: Client) -> None:
    event = _event(PERSON)
    before = AuditEvent.objects.count()
    assert auditor.head("/backoffice/audit/", {"subject": PERSON}).status_code == 200
    assert auditor.head(f"/backoffice/audit/events/{event.pk}/").status_code == 200
    assert AuditEvent.objects.count() == before


def test_unknown_event_is_not_found(auditor: Client) -> None:
    assert auditor.get("/backoffice/audit/events/999999/").status_code == 404


def test_verification_is_queued_once_run_by_a_worker_and_shown(
    auditor: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for i in range(5):
        _event(PERSON, n=i)
    seal()
    with django_capture_on_commit_callbacks() as queued:
        response = auditor.post("/backoffice/audit/verify/")
    assert response.status_code == 302
    assert len(queued) == 1  # the task is queued after the request commits
    run = VerificationRun.objects.get()
    requested = _last("audit.verification_requested")
    assert requested.object_id == str(run.pk)

    # Asked again while it waits: no second run.
    auditor.post("/backoffice/audit/verify/")
    assert VerificationRun.objects.count() == 1
    waiting = auditor.get("/backoffice/audit/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Waiting for a worker" in waiting.content.decode()

    assert run_verification(run.pk) is True
    assert run_verification(run.pk) is None  # a retried task does not run it twice
    run.refresh_from_db()
    assert run.ok is True and run.finished_at is not None
    assert run.events is not None and run.events >= 6
    verified = _last("audit.verified")
    assert verified.data["ok"] is True
    done = auditor.get("/backoffice/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Intact" in done
    assert "Verify the whole log now" in done


def test_verification_of_a_changed_log_names_the_problem_and_tells_the_auditors(
    auditor: Client, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    StaffFactory(username="clerk.only", password=PASSWORD, membership__role=Role.REVIEWER)
    events = [_event(PERSON, n=i) for i in range(4)]
    seal()
    with transaction.atomic():
        run_as_attacker(
            "UPDATE audit_auditevent SET action = 'test.innocent' WHERE id = %s", [events[2].pk]
        )
    with django_capture_on_commit_callbacks():
        auditor.post("/backoffice/audit/verify/")
    run = VerificationRun.objects.get()
    assert run_verification(run.pk) is False
    run.refresh_from_db()
    assert run.ok is False
    assert run.problem["kind"] == "changed"
    assert run.problem["ref"] == str(events[2].pk)
    page = auditor.get("/backoffice/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Problem found" in page
    assert f"Event {events[2].pk}: changed" in page
    position = Leaf.objects.get(event_id=events[2].pk).leaf_index
    assert (
        f"its content no longer matches what was sealed at position {position} "
        "(the event&#x27;s action: test.innocent, written at "
    ) in page
    zh = auditor.get("/backoffice/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"其内容与第 {position} 位封存的内容不再一致（该事件的操作：test.innocent" in zh
    # Every auditor and platform admin is told, in the site's language; no one else.
    told = InboxMessage.objects.filter(event=Event.AUDIT_PROBLEM)
    assert [m.recipient_id for m in told] == [staff.pk]
    assert told[0].subject == f"审计日志被改动：事件 {events[2].pk}：已被更改"
    assert f"原因：其内容与第 {position} 位封存的内容不再一致" in told[0].body
    assert f"event {events[2].pk} changed" in told[0].body  # the verifier's words, for operators


def test_queued_verification_runs_at_once_with_an_inline_worker(
    auditor: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _event(PERSON)
    seal()
    with django_capture_on_commit_callbacks(execute=True):
        auditor.post("/backoffice/audit/verify/")
    run = VerificationRun.objects.get()
    assert run.ok is True


def test_the_calendars_last_day_leaves_the_search_open_ended(auditor: Client) -> None:
    event = _event(PERSON)
    response = auditor.get("/backoffice/audit/", {"until": "9999-12-31"})
    assert response.status_code == 200
    assert event.pk in [e.pk for e in response.context["events"]]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_action_hint_gives_an_action_the_platform_writes(language: str) -> None:
    from django.utils import translation

    from yiwang.backoffice.views.audit import AuditSearchForm
    from yiwang.exchange import constants

    written = {
        value
        for name, value in vars(constants).items()
        if name.startswith("ACTION_") and isinstance(value, str)
    }
    with translation.override(language):
        hint = str(AuditSearchForm().fields["action"].help_text)

    assert hint.split()[-1] in written


@pytest.mark.parametrize(
    ("counts", "language", "summary"),
    [
        ((1, 1, 1, 1), "en", "1 event, 1 sealed, 1 awaiting seal, 1 checkpoint"),
        ((7, 5, 2, 3), "en", "7 events, 5 sealed, 2 awaiting seal, 3 checkpoints"),
        ((1, 1, 0, 1), "zh-hans", "1 个事件，1 个已封存，0 个待封存，1 个检查点"),
    ],
)
def test_an_intact_verification_counts_in_words_that_agree_with_the_numbers(
    auditor: Client, counts: tuple[int, int, int, int], language: str, summary: str
) -> None:
    from django.utils import timezone

    from yiwang.core.testing.html import parse

    events, sealed, awaiting, checkpoints = counts
    now = timezone.now()
    VerificationRun.objects.create(
        requested_at=now,
        finished_at=now,
        ok=True,
        events=events,
        sealed=sealed,
        awaiting=awaiting,
        checkpoints=checkpoints,
        problems=0,
    )

    page = parse(auditor.get("/backoffice/audit/", HTTP_ACCEPT_LANGUAGE=language).content)

    runs = page.one("section", id="verification").one("tbody")
    [outcome] = [row.find_all("td")[2].text for row in runs.find_all("tr")]
    assert summary in outcome


@pytest.mark.parametrize(
    ("language", "market", "health"),
    [
        ("en", "Market Regulation · Reviewer", "Health Commission · Auditor"),
        ("zh-hans", "市场监管局 · 审查员", "卫生健康委 · 审计员"),
    ],
)
def test_who_acted_is_named_by_department_and_role_not_by_code(
    auditor: Client, staff: Any, language: str, market: str, health: str
) -> None:
    from yiwang.core.testing.html import parse

    for department, role in (("market", "reviewer"), ("health", "auditor"), ("abolished", "")):
        record_event(
            actor=staff,
            action="test.acted",
            object_type="test.thing",
            object_id=department,
            department=department,
            role=role or None,
        )

    response = auditor.get(
        "/backoffice/audit/", {"action": "test.acted"}, HTTP_ACCEPT_LANGUAGE=language
    )

    rows = parse(response.content).one("table", class_="audit-table").one("tbody").find_all("tr")
    lines = {
        row.find_all("td")[4].text.split()[-1]: row.find_all("td")[2].one("span").text
        for row in rows
    }
    assert lines["market"] == market
    assert lines["health"] == health
    # A department that no longer exists is shown by the code the log kept.
    assert lines["abolished"] == "abolished"
    # The event's own page says the same.
    event = _last("test.acted")
    page = parse(
        auditor.get(f"/backoffice/audit/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE=language).content
    )
    assert "abolished" in page.one("main").text
