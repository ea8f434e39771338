"""Sharing agreements over HTTP: the consumer's data officer asks, the provider's decides,
either side sees them, nobody else finds them, and each side's steps stay with that side."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.exchange.constants import ACTION_AGREEMENT_APPROVED, ACTION_AGREEMENT_REQUESTED
from yiwang.exchange.models import SharingAgreement
from yiwang.exchange.tests.api_support import (
    bearer,
    error,
    last_event_id,
    send,
    session,
    system_with_token,
)
from yiwang.exchange.tests.conftest import World
from yiwang.exchange.tests.helpers import today

pytestmark = pytest.mark.django_db


def request_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "code": "tax_people",
        "name": {"zh": "税务读取人口信息", "en": "Tax office reads people data"},
        "consumer": "tax_office",
        "registry": "people",
        "fields": ["person_name", "birth_date"],
        "purposes": ["benefit_assessment"],
        "legal_basis": {
            "zh": "《示例税法》第三条",
            "en": "Example Tax Act, article 3",
            "url": "https://law.example.org/tax/3",
        },
        "sharing_class": "conditional",
        "conditions": {"roles": ["reviewer", "system"]},
        "masking": {"birth_date": "birth_year_only"},
        "valid_from": (today() - dt.timedelta(days=1)).isoformat(),
        "valid_until": (today() + dt.timedelta(days=365)).isoformat(),
    }
    return {**body, **overrides}


def state_of(code: str) -> str:
    return str(SharingAgreement.objects.get(code=code).state)


def test_the_consumers_data_officer_asks_and_the_providers_approves(loaded: World) -> None:
    w = loaded
    consumer = session(w.tax_officer)
    provider = session(w.registrar_officer)
    mark = last_event_id()

    asked = send(consumer, "post", "/exchange/agreements", request_body())
    seen = send(provider, "get", "/exchange/agreements/tax_people")
    approved = send(provider, "post", "/exchange/agreements/tax_people/approve", {"note": "ok"})

    assert asked.status_code == 201, asked.content
    assert asked.json()["state"] == asked.json()["status"] == "requested"
    assert asked.json()["consumer"]["code"] == "tax_office"
    assert asked.json()["provider"]["code"] == "registrar"
    assert seen.status_code == 200
    assert seen.json()["conditions"] == {
        "requires_consent": False,
        "requires_open_case": False,
        "roles": ["reviewer", "system"],
    }
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["status"] == "active"
    assert approved.json()["state_note"] == "ok"
    actions = [e.action for e in AuditEvent.objects.filter(id__gt=mark)]
    assert actions == [ACTION_AGREEMENT_REQUESTED, ACTION_AGREEMENT_APPROVED]


def test_an_approved_agreement_lets_the_consumers_system_read_at_once(loaded: World) -> None:
    w = loaded
    send(session(w.tax_officer), "post", "/exchange/agreements", request_body())
    send(session(w.registrar_officer), "post", "/exchange/agreements/tax_people/approve", {})
    from yiwang.exchange.services import create_record

    create_record(
        actor=w.registrar_officer,
        registry="people",
        reason="load",
        values={"national_id": w.national_id, "person_name": "李华", "birth_date": "1990-03-07"},
    )
    _, token = system_with_token(w.tax_office)

    response = send(
        bearer(token),
        "post",
        "/exchange/read",
        {
            "registry": "people",
            "subject": w.national_id,
            "fields": ["birth_date"],
            "purpose": "benefit_assessment",
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["records"][0]["values"] == {"birth_date": "1990"}


def test_each_side_sees_the_agreement_in_its_list_and_others_do_not(loaded: World) -> None:
    w = loaded
    send(session(w.tax_officer), "post", "/exchange/agreements", request_body())

    def codes(account: Any) -> set[str]:
        response = send(session(account), "get", "/exchange/agreements")
        assert response.status_code == 200
        return {a["code"] for a in response.json()["items"]}

    assert "tax_people" in codes(w.tax_officer)
    assert "tax_people" in codes(w.registrar_officer)
    assert "tax_people" not in codes(w.commerce_officer)
    assert codes(w.commerce_officer) == {"commerce_firms_statistics"}


def test_the_consumer_cannot_approve_its_own_request(loaded: World) -> None:
    w = loaded
    consumer = session(w.tax_officer)
    send(consumer, "post", "/exchange/agreements", request_body())

    response = send(consumer, "post", "/exchange/agreements/tax_people/approve", {})

    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    assert state_of("tax_people") == "requested"


def test_a_step_the_state_does_not_allow_is_a_conflict(loaded: World) -> None:
    provider = session(loaded.registrar_officer)

    response = send(provider, "post", "/exchange/agreements/welfare_people_basic/approve", {})
    resume = send(provider, "post", "/exchange/agreements/welfare_people_basic/resume", {})

    assert response.status_code == resume.status_code == 409
    assert error(response)["code"] == "conflict"
    assert state_of("welfare_people_basic") == "approved"


def test_suspend_and_revoke_need_a_reason(loaded: World) -> None:
    provider = session(loaded.registrar_officer)

    for step in ("suspend", "revoke", "reject"):
        response = send(provider, "post", f"/exchange/agreements/welfare_people_basic/{step}", {})
        assert response.status_code == 422
        assert "note" in error(response)["fields"]
    assert state_of("welfare_people_basic") == "approved"


def test_the_provider_suspends_and_resumes_and_the_consumer_revokes(loaded: World) -> None:
    w = loaded
    provider = session(w.registrar_officer)
    consumer = session(w.welfare_officer)
    path = "/exchange/agreements/welfare_people_basic"

    suspended = send(provider, "post", f"{path}/suspend", {"note": "audit under way"})
    consumer_resumes = send(consumer, "post", f"{path}/resume", {})
    resumed = send(provider, "post", f"{path}/resume", {})
    revoked = send(consumer, "post", f"{path}/revoke", {"note": "no longer needed"})

    assert suspended.json()["status"] == "suspended"
    assert consumer_resumes.status_code == 403
    assert resumed.json()["status"] == "active"
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"


def test_the_provider_rejects_with_a_reason(loaded: World) -> None:
    w = loaded
    send(session(w.tax_officer), "post", "/exchange/agreements", request_body())

    response = send(
        session(w.registrar_officer),
        "post",
        "/exchange/agreements/tax_people/reject",
        {"note": "no legal basis for birth dates"},
    )

    assert response.json()["state"] == "rejected"
    assert response.json()["state_note"] == "no legal basis for birth dates"


def test_terms_that_do_not_hold_are_422_with_each_problem_named(loaded: World) -> None:
    body = request_body(
        fields=["person_name", "shoe_size"],
        purposes=["benefit_assessment", "no_such_purpose"],
        masking={"person_name": "year_month"},
        conditions={"roles": ["wizard"]},
    )

    response = send(session(loaded.tax_officer), "post", "/exchange/agreements", body)

    assert response.status_code == 422, response.content
    fields = error(response)["fields"]
    assert {"fields.1", "purposes.1", "masking.person_name", "conditions.roles.0"} <= set(fields)
    assert not SharingAgreement.objects.filter(code="tax_people").exists()


def test_a_code_already_taken_is_422(loaded: World) -> None:
    response = send(
        session(loaded.tax_officer),
        "post",
        "/exchange/agreements",
        request_body(code="welfare_people_basic"),
    )

    assert response.status_code == 422
    assert "code" in error(response)["fields"]


def test_only_a_data_officer_of_the_consumer_may_ask(loaded: World) -> None:
    w = loaded

    for_others = send(
        session(w.tax_officer), "post", "/exchange/agreements", request_body(consumer="welfare")
    )
    not_officer = send(session(w.tax_reviewer), "post", "/exchange/agreements", request_body())

    assert for_others.status_code == not_officer.status_code == 403
    assert not SharingAgreement.objects.filter(code="tax_people").exists()


STEPS = [
    ("get", "", None),
    ("post", "/approve", {}),
    ("post", "/reject", {"note": "x"}),
    ("post", "/suspend", {"note": "x"}),
    ("post", "/resume", {}),
    ("post", "/revoke", {"note": "x"}),
]


@pytest.mark.parametrize(("method", "suffix", "body"), STEPS)
@pytest.mark.parametrize("who", ["data officer", "reviewer"])
def test_other_departments_find_no_agreement(
    loaded: World, method: str, suffix: str, body: Any, who: str
) -> None:
    w = loaded
    # The tax office is in no agreement.
    client = session(w.tax_officer if who == "data officer" else w.tax_reviewer)
    before = AuditEvent.objects.count()

    response = send(client, method, f"/exchange/agreements/welfare_people_basic{suffix}", body)
    missing = send(client, method, f"/exchange/agreements/no_such_agreement{suffix}", body)

    assert response.status_code == 404, response.content
    assert response.json() == missing.json()
    assert state_of("welfare_people_basic") == "approved"
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("method", "suffix", "body"), STEPS[1:])
def test_clerks_of_a_party_see_the_agreement_but_take_no_step(
    loaded: World, method: str, suffix: str, body: Any
) -> None:
    client = session(loaded.welfare_reviewer)
    before = AuditEvent.objects.count()

    seen = send(client, "get", "/exchange/agreements/welfare_people_basic")
    response = send(client, method, f"/exchange/agreements/welfare_people_basic{suffix}", body)

    assert seen.status_code == 200
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    assert state_of("welfare_people_basic") == "approved"
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("method", "suffix", "body"), [*STEPS, ("get", "/..", None)])
def test_citizens_and_systems_cannot_use_the_agreements_api(
    loaded: World, method: str, suffix: str, body: Any
) -> None:
    w = loaded
    path = f"/exchange/agreements/welfare_people_basic{suffix}".replace(
        "/welfare_people_basic/..", ""
    )

    as_citizen = send(session(w.citizen), method, path, body)
    as_system = send(bearer(system_with_token(w.registrar)[1]), method, path, body)

    assert as_citizen.status_code == as_system.status_code == 401
    assert state_of("welfare_people_basic") == "approved"
