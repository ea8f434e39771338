"""The governed read over HTTP: served data with provenance and masking, refusals as 403
``denied`` with the reason, one audit event and one access-log row per call, and bearer tokens
that stop working the moment they are revoked or rotated."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session

from yiwang.audit.models import AuditEvent
from yiwang.exchange import services
from yiwang.exchange.constants import ACTION_READ
from yiwang.exchange.models import AccessLogEntry, DepartmentSystem, RegistryRecord
from yiwang.exchange.tests.api_support import (
    PLATFORM,
    bearer,
    error,
    last_event_id,
    send,
    session,
    session_cookie_set,
    system_with_token,
)
from yiwang.exchange.tests.conftest import World
from yiwang.exchange.types import Requester

pytestmark = pytest.mark.django_db


def read_body(w: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "registry": "people",
        "subject": w.national_id,
        "fields": ["person_name", "birth_date"],
        "purpose": "benefit_assessment",
    }
    return {**body, **overrides}


def test_a_system_reads_the_agreed_fields_masked_with_provenance(populated: World) -> None:
    w = populated
    _, token = system_with_token(w.welfare)

    response = send(bearer(token), "post", "/exchange/read", read_body(w))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agreement"] == "welfare_people_basic"
    assert body["subject"] == w.national_id
    assert body["legal_basis"]["en"] == "Example Regulation, article 10"
    [record] = body["records"]
    assert record["values"] == {"person_name": "李华", "birth_date": "1990-03"}
    assert record["masking"] == {"person_name": "none", "birth_date": "year_month"}
    assert record["provenance"]["registry"] == "people"
    assert record["provenance"]["department"] == "registrar"
    assert record["provenance"]["record_key"] == w.national_id
    assert record["provenance"]["version"] == 1


def test_each_read_over_http_writes_one_audit_event_and_one_access_log_row(
    populated: World,
) -> None:
    w = populated
    system, token = system_with_token(w.welfare)
    mark = last_event_id()
    log_before = AccessLogEntry.objects.count()

    response = send(bearer(token), "post", "/exchange/read", read_body(w))

    events = list(AuditEvent.objects.filter(id__gt=mark))
    assert [e.action for e in events] == [ACTION_READ]
    assert events[0].actor_id == f"department-system.{system.pk}"
    assert events[0].data["outcome"] == "served"
    assert AccessLogEntry.objects.count() == log_before + 1
    entry = AccessLogEntry.objects.get(pk=response.json()["access_log_id"])
    assert entry.subject_key == w.national_id
    assert entry.system_id == system.pk
    assert response.json()["audit_event_id"] == events[0].pk


def test_a_read_without_agreement_is_denied_with_its_reason_and_still_logged(
    populated: World,
) -> None:
    w = populated
    _, token = system_with_token(w.tax_office)
    mark = last_event_id()
    log_before = AccessLogEntry.objects.count()

    response = send(bearer(token), "post", "/exchange/read", read_body(w))

    assert response.status_code == 403
    detail = error(response)
    assert detail["code"] == "denied"
    assert detail["reason"] == "no_agreement"
    assert detail["message"]
    assert "records" not in response.json()
    assert [e.data["outcome"] for e in AuditEvent.objects.filter(id__gt=mark)] == ["denied"]
    assert AccessLogEntry.objects.count() == log_before + 1


def test_a_refusal_names_the_agreement_that_came_closest(populated: World) -> None:
    w = populated
    client = session(w.welfare_reviewer)

    response = send(
        client,
        "post",
        "/exchange/read",
        read_body(
            w,
            registry="contributions",
            fields=["insured"],
            department="welfare",
            role="reviewer",
        ),
    )

    assert response.status_code == 403
    assert error(response)["reason"] == "consent_missing"
    assert "welfare_contributions" in error(response)["message"]


def test_a_field_outside_the_agreement_is_denied(populated: World) -> None:
    w = populated
    _, token = system_with_token(w.welfare)

    response = send(bearer(token), "post", "/exchange/read", read_body(w, fields=["address"]))

    assert response.status_code == 403
    assert error(response)["reason"] == "field_outside_agreement"


def test_an_invalid_id_number_is_denied_and_audited_but_not_in_anybodys_log(
    populated: World,
) -> None:
    w = populated
    _, token = system_with_token(w.welfare)
    mark = last_event_id()
    log_before = AccessLogEntry.objects.count()

    response = send(bearer(token), "post", "/exchange/read", read_body(w, subject="123"))

    assert response.status_code == 403
    assert error(response)["reason"] == "invalid_subject"
    assert AuditEvent.objects.filter(id__gt=mark, action=ACTION_READ).count() == 1
    assert AccessLogEntry.objects.count() == log_before


def test_an_official_reads_in_a_role_they_hold(populated: World) -> None:
    w = populated
    client = session(w.welfare_reviewer)

    response = send(
        client, "post", "/exchange/read", read_body(w, department="welfare", role="reviewer")
    )

    assert response.status_code == 200, response.content
    entry = AccessLogEntry.objects.get(pk=response.json()["access_log_id"])
    assert entry.account_id == w.welfare_reviewer.pk
    assert entry.role == "reviewer"


@pytest.mark.parametrize(
    ("department", "role"),
    [("welfare", "approver"), ("registrar", "reviewer"), ("welfare", "data_officer")],
)
def test_an_official_claiming_a_role_they_do_not_hold_is_denied(
    populated: World, department: str, role: str
) -> None:
    w = populated
    client = session(w.welfare_reviewer)

    response = send(
        client, "post", "/exchange/read", read_body(w, department=department, role=role)
    )

    assert response.status_code == 403
    assert error(response)["reason"] == "unknown_requester"


def test_an_official_must_say_which_department_and_role_they_act_in(populated: World) -> None:
    w = populated
    client = session(w.welfare_reviewer)
    before = AuditEvent.objects.count()

    response = send(client, "post", "/exchange/read", read_body(w))

    assert response.status_code == 422
    assert set(error(response)["fields"]) == {"department", "role"}
    assert AuditEvent.objects.count() == before


def test_a_system_cannot_claim_another_department(populated: World) -> None:
    w = populated
    _, token = system_with_token(w.tax_office)

    response = send(bearer(token), "post", "/exchange/read", read_body(w, department="welfare"))

    assert response.status_code == 403
    assert error(response)["reason"] == "unknown_requester"


def test_citizens_and_nobody_cannot_use_the_governed_read(populated: World) -> None:
    w = populated
    citizen = session(w.citizen)
    before = AuditEvent.objects.count()

    as_citizen = send(citizen, "post", "/exchange/read", read_body(w))
    as_nobody = send(bearer("not-a-token"), "post", "/exchange/read", read_body(w))

    assert as_citizen.status_code == as_nobody.status_code == 401
    assert error(as_citizen)["code"] == "unauthenticated"
    assert AuditEvent.objects.count() == before


def test_a_revoked_token_is_refused_at_once(populated: World) -> None:
    w = populated
    system, token = system_with_token(w.welfare)
    assert send(bearer(token), "post", "/exchange/read", read_body(w)).status_code == 200

    services.revoke_credential(actor=PLATFORM, system=system)
    response = send(bearer(token), "post", "/exchange/read", read_body(w))

    assert response.status_code == 401
    assert error(response)["code"] == "unauthenticated"


def test_a_rotated_token_is_refused_and_its_replacement_works(populated: World) -> None:
    w = populated
    system, old = system_with_token(w.welfare)

    new = services.rotate_credential(actor=PLATFORM, system=system).token

    assert send(bearer(old), "post", "/exchange/read", read_body(w)).status_code == 401
    assert send(bearer(new), "post", "/exchange/read", read_body(w)).status_code == 200


def test_a_deactivated_systems_token_is_refused(populated: World) -> None:
    w = populated
    system, token = system_with_token(w.welfare)

    services.deactivate_system(actor=PLATFORM, system=system)

    assert send(bearer(token), "post", "/exchange/read", read_body(w)).status_code == 401


def test_token_requests_create_no_session(populated: World) -> None:
    w = populated
    _, token = system_with_token(w.welfare)
    sessions = Session.objects.count()

    responses = [
        send(bearer(token), "post", "/exchange/read", read_body(w)),
        send(bearer(token), "get", "/me"),
        send(bearer("ywds_nope_nope"), "post", "/exchange/read", read_body(w)),
    ]

    assert [r.status_code for r in responses] == [200, 200, 401]
    assert not any(session_cookie_set(r) for r in responses)
    assert Session.objects.count() == sessions


def test_a_malformed_request_is_422_with_the_fields_named(populated: World) -> None:
    w = populated
    _, token = system_with_token(w.welfare)

    response = send(bearer(token), "post", "/exchange/read", {"registry": "people"})

    assert response.status_code == 422
    assert error(response)["code"] == "invalid"
    assert {"subject", "fields", "purpose"} <= set(error(response)["fields"])


def test_the_token_check_and_the_record_fetch_load_what_the_orm_would(populated: World) -> None:
    # Both run hand-written statements on the hot path; their rows must come back with the
    # same types and values as querysets give, on SQLite and on PostgreSQL alike.
    w = populated
    system, token = system_with_token(w.welfare)

    found = services.authenticate_system(token)
    result = services.read(
        requester=Requester.for_system(found),
        subject=w.national_id,
        registry="people",
        fields=["person_name", "sex"],
        purpose="benefit_assessment",
    )

    fresh = DepartmentSystem.objects.select_related("department").get(pk=system.pk)
    assert found is not None
    for loaded, expected in ((found, fresh), (found.department, fresh.department)):
        for field in type(expected)._meta.concrete_fields:
            assert getattr(loaded, field.attname) == getattr(expected, field.attname), field
            assert type(getattr(loaded, field.attname)) is type(getattr(expected, field.attname))
    record = RegistryRecord.objects.get(registry__code="people", record_key=w.national_id)
    provenance = result.records[0].provenance
    assert provenance.updated_at == record.updated_at
    assert provenance.updated_at.tzinfo is not None
    assert result.records[0].values == {
        "person_name": record.values["person_name"],
        "sex": record.values["sex"],
    }
    entry = AccessLogEntry.objects.get(pk=result.access_log_id)
    assert (entry.fields, entry.records) == (
        ["person_name", "sex"],
        [{"key": w.national_id, "version": 1}],
    )
