"""A person's consents and access log over HTTP: their own, and nobody else's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.core import clock
from yiwang.exchange import services
from yiwang.exchange.constants import ACTION_ACCESS_FLAGGED, ACTION_CONSENT_GRANTED
from yiwang.exchange.models import Consent, Flag
from yiwang.exchange.tests.api_support import (
    bearer,
    error,
    last_event_id,
    send,
    session,
    system_with_token,
)
from yiwang.exchange.tests.conftest import World
from yiwang.exchange.types import Requester
from yiwang.identity.models import Firm
from yiwang.identity.tests.factories import FirmFactory, FirmRepresentativeFactory

pytestmark = pytest.mark.django_db


def consent_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "consumer": "welfare",
        "registry": "contributions",
        "purpose": "benefit_assessment",
        "fields": ["insured", "monthly_contribution"],
        "expires_at": (clock.now() + dt.timedelta(days=30)).isoformat(),
    }
    return {**body, **overrides}


def reviewer_reads_contributions(w: World) -> Any:
    return services.read(
        requester=w.reviewer(),
        subject=w.national_id,
        registry="contributions",
        fields=["insured"],
        purpose="benefit_assessment",
    )


# --- Consent ------------------------------------------------------------------------------------


def test_a_person_grants_consent_and_the_department_may_then_read(populated: World) -> None:
    w = populated
    client = session(w.citizen)
    assert not reviewer_reads_contributions(w).allowed
    mark = last_event_id()

    granted = send(client, "post", "/exchange/consents", consent_body())
    listed = send(client, "get", "/exchange/consents")

    assert granted.status_code == 201, granted.content
    assert granted.json()["active"] is True
    assert granted.json()["consumer"] == {"code": "welfare", "name": "民政局"}
    assert listed.json()["items"] == [granted.json()]
    assert [e.action for e in AuditEvent.objects.filter(id__gt=mark)] == [ACTION_CONSENT_GRANTED]
    assert reviewer_reads_contributions(w).allowed


def test_a_revoked_consent_stops_the_next_read(populated: World) -> None:
    w = populated
    client = session(w.citizen)
    consent_id = send(client, "post", "/exchange/consents", consent_body()).json()["id"]

    revoked = send(client, "post", f"/exchange/consents/{consent_id}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert revoked.json()["revoked_at"] is not None
    result = reviewer_reads_contributions(w)
    assert (result.allowed, result.reason) == (False, "consent_revoked")


def test_consent_that_cannot_be_given_is_422_per_field(populated: World) -> None:
    client = session(populated.citizen)

    response = send(
        client,
        "post",
        "/exchange/consents",
        consent_body(
            consumer="nobody",
            fields=["shoe_size"],
            expires_at=(clock.now() - dt.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 422
    assert {"consumer", "fields", "expires_at"} <= set(error(response)["fields"])
    assert not Consent.objects.exists()


def test_another_persons_consent_is_not_found(populated: World) -> None:
    w = populated
    consent_id = send(session(w.citizen), "post", "/exchange/consents", consent_body()).json()["id"]
    other = session(w.other_citizen)

    listed = send(other, "get", "/exchange/consents")
    revoke = send(other, "post", f"/exchange/consents/{consent_id}/revoke")
    missing = send(other, "post", "/exchange/consents/999999999/revoke")

    assert listed.json()["items"] == []
    assert revoke.status_code == 404
    assert revoke.json() == missing.json()
    assert Consent.objects.get(pk=consent_id).revoked_at is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/exchange/consents", None),
        ("post", "/exchange/consents", consent_body()),
        ("post", "/exchange/consents/1/revoke", None),
        ("get", "/exchange/access-log", None),
        ("post", "/exchange/access-log/1/flag", {"reason": "x"}),
    ],
)
def test_clerks_and_systems_cannot_use_a_persons_endpoints(
    populated: World, method: str, path: str, body: Any
) -> None:
    w = populated

    as_clerk = send(session(w.welfare_officer), method, path, body)
    as_system = send(bearer(system_with_token(w.welfare)[1]), method, path, body)

    assert as_clerk.status_code == as_system.status_code == 401


# --- Access log ---------------------------------------------------------------------------------


def test_the_access_log_shows_served_and_refused_reads_newest_first(populated: World) -> None:
    w = populated
    services.read(
        requester=w.reviewer(),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
        case_ref="R-1",
    )
    reviewer_reads_contributions(w)  # refused: no consent

    response = send(session(w.citizen), "get", "/exchange/access-log", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    [refused, served] = response.json()["items"]
    assert (refused["outcome"], refused["reason"]) == ("denied", "consent_missing")
    assert refused["reason_label"] == "The person has not consented"
    # That agreement shows the official's role, not their name.
    assert (refused["identity_restricted"], refused["official"]) == (True, "Reviewer")
    assert (served["outcome"], served["reason"]) == ("served", "allowed")
    assert served["department"] == {"code": "welfare", "name": "Welfare"}
    assert served["official"] == w.welfare_reviewer.display_name
    assert served["fields"] == [{"code": "person_name", "name": "Name"}]
    assert served["case_ref"] == "R-1"
    assert served["legal_basis"]["url"] == "https://law.example.org/regulation/10"
    assert response.json()["next_offset"] is None


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("since=0001-01-01", 1),
        ("until=9999-12-31", 1),
        ("since=9999-12-31", 0),
        ("until=0001-01-01", 0),
    ],
)
def test_the_access_log_takes_the_first_and_last_days_of_the_calendar(
    populated: World, query: str, shown: int
) -> None:
    w = populated
    services.read(
        requester=w.reviewer(),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
        case_ref="R-1",
    )
    response = send(session(w.citizen), "get", f"/exchange/access-log?{query}")
    assert response.status_code == 200
    assert len(response.json()["items"]) == shown


def test_the_access_log_pages(populated: World) -> None:
    w = populated
    for _ in range(5):
        reviewer_reads_contributions(w)
    client = session(w.citizen)

    first = send(client, "get", "/exchange/access-log?limit=2").json()
    last = send(client, "get", "/exchange/access-log?limit=2&offset=4").json()

    assert len(first["items"]) == 2
    assert first["next_offset"] == 2
    assert len(last["items"]) == 1
    assert last["next_offset"] is None


def test_another_persons_access_log_stays_theirs(populated: World) -> None:
    w = populated
    entry_id = reviewer_reads_contributions(w).access_log_id
    other = session(w.other_citizen)
    mark = last_event_id()

    listed = send(other, "get", "/exchange/access-log")
    flag = send(other, "post", f"/exchange/access-log/{entry_id}/flag", {"reason": "mine?"})
    missing = send(other, "post", "/exchange/access-log/999999999/flag", {"reason": "mine?"})

    assert listed.json()["items"] == []
    assert flag.status_code == 404
    assert flag.json() == missing.json()
    assert not Flag.objects.exists()
    assert AuditEvent.objects.filter(id__gt=mark).count() == 0


def test_a_person_flags_a_read_that_looks_wrong(populated: World) -> None:
    w = populated
    entry_id = reviewer_reads_contributions(w).access_log_id
    client = session(w.citizen)
    mark = last_event_id()

    flagged = send(
        client, "post", f"/exchange/access-log/{entry_id}/flag", {"reason": "I have no case"}
    )
    blank = send(client, "post", f"/exchange/access-log/{entry_id}/flag", {"reason": " "})
    listed = send(client, "get", "/exchange/access-log").json()["items"]

    assert flagged.status_code == 201, flagged.content
    assert flagged.json()["status"] == "open"
    assert flagged.json()["consumer"] == "welfare"
    assert blank.status_code == 422
    assert listed[0]["flagged"] is True
    assert [e.action for e in AuditEvent.objects.filter(id__gt=mark)] == [ACTION_ACCESS_FLAGGED]


def test_a_firms_representative_sees_the_firms_log_and_nobody_else_does(
    populated: World,
) -> None:
    w = populated
    firm = FirmFactory(uscc=w.firm_uscc)
    FirmRepresentativeFactory(firm=firm, person=w.person)
    _, token = system_with_token(w.welfare)
    services.read(
        requester=Requester.for_system(services.authenticate_system(token)),
        subject=w.firm_uscc,
        registry="firms",
        fields=["firm_name"],
        purpose="statistics",
    )
    path = f"/exchange/access-log?firm={w.firm_uscc}"

    own = send(session(w.citizen), "get", path)
    other = send(session(w.other_citizen), "get", path)
    unknown = send(session(w.other_citizen), "get", f"/exchange/access-log?firm={'9' * 18}")

    assert own.status_code == 200
    [entry] = own.json()["items"]
    assert entry["registry"]["code"] == "firms"
    assert entry["official"] == "case-system"
    assert other.status_code == unknown.status_code == 404
    assert Firm.objects.filter(uscc=w.firm_uscc).count() == 1
