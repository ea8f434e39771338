"""The registry's own department reading its records through the registry API: every read is on
the audit log, naming the people and firms returned, and in each one's access log; a department
that does not own the registry reads nothing, records nothing and gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from yiwang.audit.models import AuditEvent
from yiwang.exchange import selectors, services
from yiwang.exchange.constants import (
    ACTION_RECORD_CHECKED,
    ACTION_RECORD_HISTORY_VIEWED,
    ACTION_RECORD_VIEWED,
    ACTION_RECORDS_LISTED,
    OWNER_PURPOSE,
)
from yiwang.exchange.models import AccessLogEntry
from yiwang.exchange.tests.api_support import (
    bearer,
    last_event_id,
    send,
    session,
    system_with_token,
)
from yiwang.exchange.tests.conftest import World, staff
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import national_id_for

pytestmark = pytest.mark.django_db

PEOPLE = "/registries/people/v1/records"


def events_after(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


def add_person(w: World, n: int) -> str:
    key = national_id_for(n)
    services.create_record(
        actor=w.registrar_officer,
        registry="people",
        reason="load",
        values={"national_id": key, "person_name": f"Person {n}", "birth_date": "1985-06-01"},
    )
    return key


@pytest.fixture
def registrar(populated: World) -> tuple[Any, Client]:
    system, token = system_with_token(populated.registrar, "population-system")
    return system, bearer(token)


# --- One record ---------------------------------------------------------------------------------


def test_the_departments_system_reading_a_record_is_recorded(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    w = populated
    system, client = registrar
    mark = last_event_id()

    response = send(client, "get", f"{PEOPLE}/{w.national_id}")

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.action == ACTION_RECORD_VIEWED == "exchange.record.viewed"
    assert (event.actor_type, event.actor_id) == ("system", f"department-system.{system.pk}")
    assert (event.actor_department, event.actor_role) == ("registrar", "system")
    assert event.subjects == [f"person:{w.national_id}"]
    assert (event.object_type, event.object_id) == ("registry_record", f"people/{w.national_id}")
    assert event.purpose == OWNER_PURPOSE
    assert event.data == {"registry": "people", "found": True, "version": 1}
    assert "李华" not in event.data_json  # never a value


def test_a_data_officer_reading_a_record_is_recorded(populated: World) -> None:
    w = populated
    client = session(w.registrar_officer)
    mark = last_event_id()

    response = send(client, "get", f"{PEOPLE}/{w.national_id}")

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.action == ACTION_RECORD_VIEWED
    assert (event.actor_type, event.actor_id) == ("staff", str(w.registrar_officer.pk))
    assert (event.actor_department, event.actor_role) == ("registrar", Role.DATA_OFFICER)
    assert event.subjects == [f"person:{w.national_id}"]


def test_the_person_sees_their_own_registrys_read_in_their_access_log(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    w = populated
    system, client = registrar
    mark = last_event_id()

    send(client, "get", f"{PEOPLE}/{w.national_id}")

    [event] = events_after(mark)
    with translation.override("en"):
        [entry] = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert (entry.outcome, entry.reason) == ("served", "registry_owner")
    assert (entry.department_code, entry.official) == ("registrar", system.name)
    assert entry.registry_code == "people"
    assert entry.fields == ("national_id", "person_name", "birth_date", "sex", "address")
    assert entry.purpose_code == OWNER_PURPOSE
    assert entry.purpose_name == "The department keeping its own registry"
    assert entry.legal_basis is None
    stored = AccessLogEntry.objects.get(pk=entry.id)
    assert stored.audit_event_id == str(event.pk)
    assert stored.records == [{"key": w.national_id, "version": 1}]
    listed = send(session(w.citizen), "get", "/exchange/access-log", HTTP_ACCEPT_LANGUAGE="en")
    [item] = listed.json()["items"]
    assert (item["reason"], item["purpose"]["code"]) == ("registry_owner", OWNER_PURPOSE)
    assert item["reason_label"] == "Read by the department that keeps the registry"
    assert ("registrar", "Registrar") in selectors.access_log_departments(actor=w.citizen)


def test_asking_whether_a_record_exists_is_recorded_as_a_check(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    w = populated
    _system, client = registrar
    mark = last_event_id()

    response = send(client, "get", f"{PEOPLE}/{w.national_id}/exists")

    assert response.json() == {"exists": True, "status": "active"}
    [event] = events_after(mark)
    assert event.action == ACTION_RECORD_CHECKED == "exchange.record.checked"
    assert (event.actor_department, event.actor_role) == ("registrar", "system")
    assert event.subjects == [f"person:{w.national_id}"]
    assert (event.object_type, event.object_id) == ("registry_record", f"people/{w.national_id}")
    assert event.data == {"registry": "people", "found": True, "status": "active"}
    [entry] = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert entry.fields == ("national_id",)  # what was checked, not the record's values


def test_reading_a_records_history_is_recorded(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    w = populated
    _system, client = registrar
    services.update_record(
        actor=w.registrar_officer,
        registry="people",
        record_key=w.national_id,
        changes={"address": "示例路2号"},
        reason="moved",
    )
    mark = last_event_id()

    response = send(client, "get", f"{PEOPLE}/{w.national_id}/history")

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.action == ACTION_RECORD_HISTORY_VIEWED == "exchange.record.history_viewed"
    assert (event.actor_department, event.actor_role) == ("registrar", "system")
    assert event.subjects == [f"person:{w.national_id}"]
    assert (event.object_type, event.object_id) == ("registry_record", f"people/{w.national_id}")
    assert event.data == {"registry": "people", "found": True, "versions": 2}
    stored = AccessLogEntry.objects.get(audit_event_id=str(event.pk))
    assert stored.records == [
        {"key": w.national_id, "version": 1},
        {"key": w.national_id, "version": 2},
    ]


def test_a_key_the_registry_does_not_hold_is_a_recorded_read_of_nobody(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    _system, client = registrar
    missing = national_id_for(999)
    mark = last_event_id()
    entries = AccessLogEntry.objects.count()

    response = send(client, "get", f"{PEOPLE}/{missing}")

    assert response.status_code == 404
    [event] = events_after(mark)
    assert event.action == ACTION_RECORD_VIEWED
    assert event.subjects == []
    assert event.data == {"registry": "people", "found": False, "version": None}
    assert AccessLogEntry.objects.count() == entries


# --- Lists --------------------------------------------------------------------------------------


def test_a_page_of_the_list_is_one_event_naming_everyone_on_it(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    w = populated
    _system, client = registrar
    keys = sorted([w.national_id, add_person(w, 1), add_person(w, 2)])
    mark = last_event_id()
    entries = AccessLogEntry.objects.count()

    page = send(client, "get", f"{PEOPLE}?limit=2").json()

    assert [r["record_key"] for r in page["items"]] == keys[:2]
    [event] = events_after(mark)
    assert event.action == ACTION_RECORDS_LISTED == "exchange.records.listed"
    assert (event.actor_department, event.actor_role) == ("registrar", "system")
    # The third record was looked at only to know that another page follows: not a read.
    assert event.subjects == [f"person:{k}" for k in keys[:2]]
    assert (event.object_type, event.object_id) == ("registry", "people")
    assert event.purpose == OWNER_PURPOSE
    assert event.data == {
        "registry": "people",
        "count": 2,
        "after": None,
        "include_retired": False,
        "updated_since": None,
    }
    new = AccessLogEntry.objects.order_by("pk")[entries:]
    assert sorted(e.subject_key for e in new) == keys[:2]
    assert {e.audit_event_id for e in new} == {str(event.pk)}


def test_an_empty_page_is_one_event_naming_nobody(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    _system, client = registrar
    mark = last_event_id()

    page = send(client, "get", f"{PEOPLE}?after=999").json()

    assert page == {"items": [], "next_after": None}
    [event] = events_after(mark)
    assert (event.action, event.subjects) == (ACTION_RECORDS_LISTED, [])
    assert event.data["after"] == "999"


def test_several_records_of_one_person_are_one_subject_and_one_access_log_row(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    w = populated
    _system, client = registrar
    for number in ("A1234567", "A7654321"):
        services.create_record(
            actor=w.registrar_officer,
            registry="certificates",
            reason="issued",
            values={
                "certificate_number": number,
                "holder_national_id": w.national_id,
                "holder_name": "李华",
            },
        )
    mark = last_event_id()

    send(client, "get", "/registries/certificates/v1/records")

    [event] = events_after(mark)
    assert event.subjects == [f"person:{w.national_id}"]
    [entry] = AccessLogEntry.objects.filter(audit_event_id=str(event.pk))
    assert entry.records == [{"key": "A1234567", "version": 1}, {"key": "A7654321", "version": 1}]


# --- Refusals -----------------------------------------------------------------------------------

READS = [
    f"{PEOPLE}",
    f"{PEOPLE}/{{key}}",
    f"{PEOPLE}/{{key}}/exists",
    f"{PEOPLE}/{{key}}/history",
]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("who", ["other system", "other data officer", "own reviewer"])
def test_another_department_reads_nothing_and_nothing_is_recorded(
    populated: World, path: str, who: str
) -> None:
    w = populated
    if who == "other system":
        client = bearer(system_with_token(w.commerce)[1])
    elif who == "other data officer":
        client = session(w.commerce_officer)
    else:  # in the registry's own department, but not one who keeps its records
        client = session(staff("reg.reviewer", w.registrar, Role.REVIEWER))
    mark = last_event_id()
    entries = AccessLogEntry.objects.count()

    response = send(client, "get", path.format(key=w.national_id))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert events_after(mark) == []
    assert AccessLogEntry.objects.count() == entries


def test_the_governed_read_is_unchanged_by_owner_reads(
    populated: World, registrar: tuple[Any, Client]
) -> None:
    """Another department's read still writes its own event and row, with its agreement."""
    w = populated
    _system, client = registrar
    send(client, "get", f"{PEOPLE}/{w.national_id}")

    result = services.read(
        requester=w.reviewer(),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
    )

    assert result.allowed
    newest, owner = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert (newest.reason, newest.department_code) == ("allowed", "welfare")
    assert newest.purpose_code == "benefit_assessment"
    assert (owner.reason, owner.department_code) == ("registry_owner", "registrar")
