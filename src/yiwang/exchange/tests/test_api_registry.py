"""The registry API: the owning department's systems and data officers create, read, update,
list and trace records; values are checked against the elements; nobody else finds anything."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.core import clock
from yiwang.exchange import selectors, services
from yiwang.exchange.constants import (
    ACTION_RECORD_CREATED,
    ACTION_RECORD_HISTORY_VIEWED,
    ACTION_RECORD_UPDATED,
    ACTION_RECORD_VIEWED,
)
from yiwang.exchange.tests.api_support import (
    bearer,
    error,
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


def person(n: int, **overrides: Any) -> dict[str, Any]:
    values = {
        "national_id": national_id_for(n),
        "person_name": f"Person {n}",
        "birth_date": "1985-06-01",
        "sex": "1",
    }
    return {**values, **overrides}


@pytest.fixture
def registrar_system(loaded: World) -> Any:
    _, token = system_with_token(loaded.registrar, "population-system")
    return bearer(token)


def test_a_departments_system_creates_and_reads_a_record(
    loaded: World, registrar_system: Any
) -> None:
    mark = last_event_id()

    created = send(registrar_system, "post", PEOPLE, {"values": person(1), "reason": "birth"})
    read = send(registrar_system, "get", f"{PEOPLE}/{national_id_for(1)}")

    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1
    assert created.json()["status"] == "active"
    assert read.status_code == 200
    assert read.json()["values"] == person(1)
    assert read.json()["subject_key"] == national_id_for(1)
    created_event, read_event = AuditEvent.objects.filter(id__gt=mark)
    assert (created_event.action, read_event.action) == (
        ACTION_RECORD_CREATED,
        ACTION_RECORD_VIEWED,
    )
    # Field names, keys and versions only, never values.
    assert "Person 1" not in created_event.data_json + read_event.data_json


def test_an_update_makes_a_new_version_and_the_history_says_who_and_why(
    loaded: World, registrar_system: Any
) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(2), "reason": "birth"})
    mark = last_event_id()

    updated = send(
        registrar_system,
        "put",
        f"{PEOPLE}/{national_id_for(2)}",
        {"values": {"address": "示例路2号"}, "reason": "moved house"},
    )
    history = send(registrar_system, "get", f"{PEOPLE}/{national_id_for(2)}/history")

    assert updated.status_code == 200, updated.content
    assert updated.json()["version"] == 2
    assert updated.json()["values"]["address"] == "示例路2号"
    assert updated.json()["values"]["person_name"] == "Person 2"
    assert [e.action for e in AuditEvent.objects.filter(id__gt=mark)] == [
        ACTION_RECORD_UPDATED,
        ACTION_RECORD_HISTORY_VIEWED,
    ]
    versions = history.json()["versions"]
    assert [(v["version"], v["reason"]) for v in versions] == [(1, "birth"), (2, "moved house")]
    assert versions[1]["changed_by"] == "department-system:registrar/population-system"
    assert "address" not in versions[0]["values"]


def test_a_data_officer_of_the_department_may_use_it_too(loaded: World) -> None:
    client = session(loaded.registrar_officer)

    created = send(client, "post", PEOPLE, {"values": person(3), "reason": "correction"})

    assert created.status_code == 201, created.content
    history = send(client, "get", f"{PEOPLE}/{national_id_for(3)}/history").json()
    assert history["versions"][0]["changed_by"] == str(loaded.registrar_officer)


def test_wrong_values_are_422_with_a_message_per_field(
    loaded: World, registrar_system: Any
) -> None:
    values = person(4, birth_date="1 June 1985", sex="9", shoe_size=42)
    del values["person_name"]

    response = send(registrar_system, "post", PEOPLE, {"values": values, "reason": "birth"})

    assert response.status_code == 422
    fields = error(response)["fields"]
    assert {"values.birth_date", "values.sex", "values.person_name"} <= set(fields)
    assert "shoe_size" in " ".join(fields)
    assert all(messages for messages in fields.values())
    assert send(registrar_system, "get", f"{PEOPLE}/{national_id_for(4)}").status_code == 404


def test_an_invalid_id_number_is_named(loaded: World, registrar_system: Any) -> None:
    bad = national_id_for(5)[:-1] + ("0" if national_id_for(5)[-1] != "0" else "1")

    response = send(
        registrar_system, "post", PEOPLE, {"values": person(5, national_id=bad), "reason": "x"}
    )

    assert response.status_code == 422
    assert "values.national_id" in error(response)["fields"]


def test_a_reason_is_required(loaded: World, registrar_system: Any) -> None:
    missing = send(registrar_system, "post", PEOPLE, {"values": person(6)})
    blank = send(registrar_system, "post", PEOPLE, {"values": person(6), "reason": "   "})

    assert missing.status_code == blank.status_code == 422
    assert "reason" in error(missing)["fields"]
    assert "reason" in error(blank)["fields"]


def test_a_missing_reason_and_wrong_values_are_said_together(
    loaded: World, registrar_system: Any
) -> None:
    values = {**person(11), "birth_date": "07/03/1990", "nickname": "Xiao"}

    response = send(registrar_system, "post", PEOPLE, {"values": values, "reason": " "})

    assert response.status_code == 422
    fields = error(response)["fields"]
    assert {"reason", "values.birth_date", "values.nickname"} <= set(fields)
    assert "nickname" not in fields  # a field the registry lacks is named as it was sent


def test_a_second_record_with_the_same_key_is_refused(loaded: World, registrar_system: Any) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(7), "reason": "birth"})

    again = send(registrar_system, "post", PEOPLE, {"values": person(7), "reason": "birth"})

    assert again.status_code == 422
    assert "values.national_id" in error(again)["fields"]


def test_the_key_and_subject_of_a_record_cannot_change(
    loaded: World, registrar_system: Any
) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(8), "reason": "birth"})

    response = send(
        registrar_system,
        "put",
        f"{PEOPLE}/{national_id_for(8)}",
        {"values": {"national_id": national_id_for(9)}, "reason": "typo"},
    )

    assert response.status_code == 422
    assert "values.national_id" in error(response)["fields"]


def test_updating_a_missing_record_is_404_and_a_retired_one_409(
    loaded: World, registrar_system: Any
) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(10), "reason": "birth"})
    services.retire_record(
        actor=loaded.registrar_officer,
        registry="people",
        record_key=national_id_for(10),
        reason="died",
    )
    change = {"values": {"address": "x"}, "reason": "moved"}

    missing = send(registrar_system, "put", f"{PEOPLE}/{national_id_for(11)}", change)
    retired = send(registrar_system, "put", f"{PEOPLE}/{national_id_for(10)}", change)

    assert missing.status_code == 404
    assert error(missing)["code"] == "not_found"
    assert retired.status_code == 409
    assert error(retired)["code"] == "conflict"


def test_exists_answers_for_held_retired_and_missing_keys(
    loaded: World, registrar_system: Any
) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(12), "reason": "birth"})
    send(registrar_system, "post", PEOPLE, {"values": person(13), "reason": "birth"})
    services.retire_record(
        actor=loaded.registrar_officer,
        registry="people",
        record_key=national_id_for(13),
        reason="died",
    )

    def exists(n: int) -> Any:
        return send(registrar_system, "get", f"{PEOPLE}/{national_id_for(n)}/exists").json()

    assert exists(12) == {"exists": True, "status": "active"}
    assert exists(13) == {"exists": True, "status": "retired"}
    assert exists(14) == {"exists": False, "status": None}


def test_the_list_pages_in_key_order(loaded: World, registrar_system: Any) -> None:
    keys = sorted(national_id_for(n) for n in range(20, 25))
    for n in range(20, 25):
        send(registrar_system, "post", PEOPLE, {"values": person(n), "reason": "load"})

    seen: list[str] = []
    after = ""
    pages = 0
    while True:
        page = send(registrar_system, "get", f"{PEOPLE}?limit=2&after={after}").json()
        seen += [r["record_key"] for r in page["items"]]
        pages += 1
        if page["next_after"] is None:
            break
        after = page["next_after"]

    assert seen == keys
    assert pages == 3


def test_the_list_keeps_records_changed_since_a_moment(
    loaded: World, registrar_system: Any, monkeypatch: Any
) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(30), "reason": "load"})
    send(registrar_system, "post", PEOPLE, {"values": person(31), "reason": "load"})
    later = clock.now() + dt.timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    send(
        registrar_system,
        "put",
        f"{PEOPLE}/{national_id_for(31)}",
        {"values": {"address": "new"}, "reason": "moved"},
    )

    since = quote((later - dt.timedelta(minutes=1)).isoformat())
    changed = send(registrar_system, "get", f"{PEOPLE}?updated_since={since}").json()
    naive = send(registrar_system, "get", f"{PEOPLE}?updated_since=2026-01-01T00:00:00")

    assert [r["record_key"] for r in changed["items"]] == [national_id_for(31)]
    assert naive.status_code == 422
    assert "updated_since" in error(naive)["fields"]


def test_a_moment_with_any_offset_is_taken_in_utc_and_one_out_of_range_is_refused(
    loaded: World, registrar_system: Any
) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(32), "reason": "load"})
    # -16:23 is a valid ISO 8601 offset that PostgreSQL cannot store as written.
    far_offset = send(registrar_system, "get", f"{PEOPLE}?updated_since=2000-02-18T17:55:39-16:23")
    future = send(registrar_system, "get", f"{PEOPLE}?updated_since=7948-02-18T17:55:39-16:23")
    overflow = send(registrar_system, "get", f"{PEOPLE}?updated_since=9999-12-31T23:59:59-05:00")

    assert national_id_for(32) in [r["record_key"] for r in far_offset.json()["items"]]
    assert future.status_code == 200
    assert future.json()["items"] == []
    assert overflow.status_code == 422
    assert "updated_since" in error(overflow)["fields"]


def test_retired_records_are_listed_only_when_asked(loaded: World, registrar_system: Any) -> None:
    send(registrar_system, "post", PEOPLE, {"values": person(40), "reason": "load"})
    services.retire_record(
        actor=loaded.registrar_officer,
        registry="people",
        record_key=national_id_for(40),
        reason="died",
    )

    plain = send(registrar_system, "get", PEOPLE).json()["items"]
    everything = send(registrar_system, "get", f"{PEOPLE}?include_retired=true").json()["items"]

    assert plain == []
    assert [r["status"] for r in everything] == ["retired"]


def test_a_record_of_a_registry_with_several_records_per_subject(
    loaded: World, registrar_system: Any
) -> None:
    values = {
        "certificate_number": "A1234567",
        "holder_national_id": national_id_for(50),
        "holder_name": "Holder",
    }

    created = send(
        registrar_system,
        "post",
        "/registries/certificates/v1/records",
        {"values": values, "reason": "issued"},
    )

    assert created.status_code == 201, created.content
    assert created.json()["record_key"] == "A1234567"
    assert created.json()["subject_key"] == national_id_for(50)


def test_a_registry_kept_outside_yiwang_has_no_records_here(
    loaded: World, registrar_system: Any
) -> None:
    response = send(
        registrar_system,
        "post",
        "/registries/remote_people/v1/records",
        {"values": person(60), "reason": "x"},
    )

    assert response.status_code == 404


OPERATIONS = [
    ("post", PEOPLE, {"values": person(70), "reason": "x"}),
    ("get", PEOPLE, None),
    ("get", f"{PEOPLE}/{{key}}", None),
    ("put", f"{PEOPLE}/{{key}}", {"values": {"address": "x"}, "reason": "x"}),
    ("get", f"{PEOPLE}/{{key}}/exists", None),
    ("get", f"{PEOPLE}/{{key}}/history", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
@pytest.mark.parametrize("who", ["other system", "other data officer", "own reviewer"])
def test_nobody_outside_the_owning_department_finds_the_registry(
    populated: World, method: str, path: str, body: Any, who: str
) -> None:
    w = populated
    if who == "other system":
        client = bearer(system_with_token(w.commerce)[1])
    elif who == "other data officer":
        client = session(w.commerce_officer)
    else:  # in the registry's own department, but not one who keeps its records
        client = session(staff("reg.reviewer", w.registrar, Role.REVIEWER))
    before = (AuditEvent.objects.count(), read_versions(w))
    url = path.format(key=w.national_id)

    response = send(client, method, url, body)
    unknown = send(client, method, url.replace("/people/", "/no_such_registry/"), body)

    assert response.status_code == 404, response.content
    assert response.json() == unknown.json()
    assert error(response)["code"] == "not_found"
    assert (AuditEvent.objects.count(), read_versions(w)) == before


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_citizens_cannot_use_the_registry_api(
    populated: World, method: str, path: str, body: Any
) -> None:
    client = session(populated.citizen)

    response = send(client, method, path.format(key=populated.national_id), body)

    assert response.status_code == 401


def read_versions(w: World) -> list[int]:
    return [
        v.version
        for v in selectors.record_history(
            actor=w.registrar_officer, registry="people", record_key=w.national_id
        )
    ]
