"""A flag's outcome closes the loop: the provider's note stays on the flag, the person who raised
it reads it (and nobody else does), and is told once that it was closed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.audit.models import AuditEvent
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import services
from yiwang.exchange.constants import ACTION_FLAG_CLOSED, FlagStatus
from yiwang.exchange.models import Flag
from yiwang.exchange.selectors import (
    CLOSING_NOTE_MAX_LENGTH,
    FlagOutcome,
    flag_answers_for,
    flag_raised_by,
    flags_raised_by,
)
from yiwang.exchange.services.flags import close_flag
from yiwang.exchange.tests.api_support import send, session
from yiwang.exchange.tests.conftest import World
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role
from yiwang.notifications.constants import Channel, Event
from yiwang.notifications.models import InboxMessage, Notification

pytestmark = pytest.mark.django_db

NOTE = "Welfare had an open benefit case for you; the read was for it."


def flagged_read(w: World, *, language: str = "en") -> Any:
    """The welfare reviewer reads the citizen's data and the citizen flags it."""
    result = services.read(
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
    )
    assert result.allowed and result.access_log_id is not None
    with translation.override(language):
        return services.flag_access(
            actor=w.citizen, entry=result.access_log_id, reason="I have no case at welfare"
        )


def closed_notifications() -> Any:
    return Notification.objects.filter(event=Event.ACCESS_FLAG_CLOSED)


def test_closing_keeps_the_outcome_and_note_on_the_flag_and_in_the_audit_event(
    populated: World,
) -> None:
    w = populated
    flag = flagged_read(w)

    close_flag(
        actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.EXPLAINED, note=f" {NOTE} "
    )

    row = Flag.objects.get(pk=flag.id)
    assert row.status == FlagStatus.CLOSED
    assert row.outcome == FlagOutcome.EXPLAINED
    assert row.closing_note == NOTE
    assert row.closed_by == w.registrar_officer
    assert row.closed_at is not None
    event = AuditEvent.objects.get(action=ACTION_FLAG_CLOSED)
    assert event.data["note"] == NOTE
    assert event.data["flag"] == flag.id


@pytest.mark.parametrize(
    ("language", "subject_words"),
    [("en", "the use was explained"), ("zh-hans", "已说明使用理由")],
)
def test_the_person_is_told_once_in_the_language_they_flagged_in(
    populated: World, language: str, subject_words: str
) -> None:
    w = populated
    flag = flagged_read(w, language=language)

    close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.EXPLAINED, note=NOTE)
    with pytest.raises(ValidationError):
        close_flag(
            actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note="again"
        )

    sent = list(closed_notifications())
    assert sorted(n.channel for n in sent) == [Channel.EMAIL, Channel.INBOX]
    assert {n.recipient_id for n in sent} == {w.citizen.pk}
    assert {n.language for n in sent} == {language}
    assert all(subject_words in n.subject for n in sent)
    assert all(NOTE in n.body for n in sent)
    [message] = InboxMessage.objects.filter(event=Event.ACCESS_FLAG_CLOSED)
    assert message.recipient_id == w.citizen.pk and NOTE in message.body
    # The second attempt changed nothing.
    assert Flag.objects.get(pk=flag.id).outcome == FlagOutcome.EXPLAINED


@pytest.mark.parametrize("note", ["", "   \n\t "])
def test_an_empty_note_is_refused_and_nothing_is_stored(populated: World, note: str) -> None:
    w = populated
    flag = flagged_read(w)

    with pytest.raises(ValidationError) as refused:
        close_flag(
            actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note=note
        )

    assert set(refused.value.message_dict) == {"note"}
    row = Flag.objects.get(pk=flag.id)
    assert (row.status, row.outcome, row.closing_note, row.closed_at) == ("open", "", "", None)
    assert not AuditEvent.objects.filter(action=ACTION_FLAG_CLOSED).exists()
    assert not closed_notifications().exists()


def test_an_unknown_outcome_or_a_too_long_note_is_refused(populated: World) -> None:
    w = populated
    flag = flagged_read(w)

    with pytest.raises(ValidationError) as unknown:
        close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome="shrug", note=NOTE)
    with pytest.raises(ValidationError) as long:
        close_flag(
            actor=w.registrar_officer,
            flag_id=flag.id,
            outcome=FlagOutcome.EXPLAINED,
            note="x" * (CLOSING_NOTE_MAX_LENGTH + 1),
        )

    assert set(unknown.value.message_dict) == {"outcome"}
    assert set(long.value.message_dict) == {"note"}
    assert Flag.objects.get(pk=flag.id).status == FlagStatus.OPEN


def test_only_the_providers_data_officer_may_close(populated: World) -> None:
    w = populated
    flag = flagged_read(w)

    for outsider in (w.welfare_officer, w.commerce_officer, w.citizen):
        with pytest.raises(PermissionDenied):
            close_flag(actor=outsider, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note=NOTE)

    assert Flag.objects.get(pk=flag.id).status == FlagStatus.OPEN
    assert not closed_notifications().exists()


def test_the_person_sees_their_answer_and_nobody_else_does(populated: World) -> None:
    w = populated
    flag = flagged_read(w)
    close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note=NOTE)

    [own] = flags_raised_by(actor=w.citizen)
    assert (own.id, own.outcome, own.closing_note, own.closed_by) == (
        flag.id,
        FlagOutcome.ACTED_ON,
        NOTE,
        "",  # the person is answered by the department, not by a named official
    )
    assert flags_raised_by(actor=w.other_citizen) == []
    assert flag_raised_by(actor=w.other_citizen, flag_id=flag.id) is None
    assert flag_raised_by(actor=w.registrar_officer, flag_id=flag.id) is None
    # The provider's data officers see the answer with who gave it; other departments do not.
    answer = flag_answers_for(actor=w.registrar_officer, flag_ids=[flag.id])[flag.id]
    assert answer.closing_note == NOTE and answer.closed_by == str(w.registrar_officer)
    assert flag_answers_for(actor=w.welfare_officer, flag_ids=[flag.id]) == {}


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Misuse found and acted on"), ("zh-hans", "发现不当使用，已处理")],
)
def test_the_api_shows_the_person_the_outcome_of_their_flag(
    populated: World, language: str, label: str
) -> None:
    w = populated
    flag = flagged_read(w)
    client = session(w.citizen)
    before = send(client, "get", f"/exchange/access-log/flags/{flag.id}").json()
    close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note=NOTE)

    listed = send(client, "get", "/exchange/access-log/flags", HTTP_ACCEPT_LANGUAGE=language)
    one = send(
        client, "get", f"/exchange/access-log/flags/{flag.id}", HTTP_ACCEPT_LANGUAGE=language
    )

    assert before["status"] == "open"
    assert before["outcome"] is None and before["note"] is None and before["closed_at"] is None
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item == one.json()
    assert item["status"] == "closed"
    assert item["outcome"] == "acted_on"
    assert item["outcome_label"] == label
    assert item["note"] == NOTE
    assert item["closed_at"] is not None
    assert item["provider"]["code"] == "registrar"
    assert listed.json()["next_offset"] is None


def test_the_api_keeps_a_flag_from_everyone_but_the_person_who_raised_it(
    populated: World,
) -> None:
    w = populated
    flag = flagged_read(w)
    close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note=NOTE)
    other = session(w.other_citizen)

    listed = send(other, "get", "/exchange/access-log/flags")
    one = send(other, "get", f"/exchange/access-log/flags/{flag.id}")
    missing = send(other, "get", "/exchange/access-log/flags/999999999")

    assert listed.status_code == 200 and listed.json()["items"] == []
    assert one.status_code == 404
    assert one.json() == missing.json()
    assert NOTE not in one.content.decode()
    assert send(session(w.welfare_officer), "get", "/exchange/access-log/flags").status_code == 401


def test_the_api_answers_a_new_flag_as_open_with_its_department(populated: World) -> None:
    w = populated
    entry = services.read(
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
    ).access_log_id

    raised = send(
        session(w.citizen), "post", f"/exchange/access-log/{entry}/flag", {"reason": "Not me"}
    )

    assert raised.status_code == 201
    body = raised.json()
    assert body["status"] == "open" and body["access_log_id"] == entry
    assert body["provider"]["code"] == "registrar"
    assert (body["outcome"], body["outcome_label"], body["note"], body["closed_at"]) == (
        None,
        None,
        None,
        None,
    )
