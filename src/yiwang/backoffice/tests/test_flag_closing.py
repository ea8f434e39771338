"""Closing a flag in the back office: what the data officer found and their note, refused beside
the field when missing, and shown on the closed flag afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.core.testing.html import parse
from yiwang.exchange import services
from yiwang.exchange.selectors import flag_raised_by
from yiwang.exchange.services.flags import close_flag
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    populated,
    signing_key,
    world,
)
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role
from yiwang.notifications.constants import Event
from yiwang.notifications.models import Notification

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]

NOTE = "Welfare had an open benefit case; the read was for it."


def client_for(account: Any, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(account)
    return client


def flag(w: World) -> Any:
    result = services.read(
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
    )
    assert result.access_log_id is not None
    return services.flag_access(actor=w.citizen, entry=result.access_log_id, reason="Not my case")


def error_beside(page: Any, field_id: str) -> str:
    found = parse(page.content).by_id(f"{field_id}-error")
    return found.text if found is not None else ""


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Say what you found or did"), ("zh-hans", "请说明您对这次使用的核查结果")],
)
@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_note_is_refused_beside_the_field_and_nothing_is_stored(
    populated: World, language: str, message: str, note: str
) -> None:
    w = populated
    f = flag(w)
    officer = client_for(w.registrar_officer, language)

    refused = officer.post(
        f"/backoffice/exchange/flags/{f.id}/close/",
        {f"flag{f.id}-outcome": "explained", f"flag{f.id}-note": note},
    )

    assert refused.status_code == 400
    assert message in error_beside(refused, f"id_flag{f.id}-note")
    assert 'class="error-summary"' in refused.content.decode()
    row = flag_raised_by(actor=w.citizen, flag_id=f.id)
    assert row is not None
    assert (row.status, row.outcome, row.closing_note, row.closed_at) == ("open", "", "", None)
    assert not Notification.objects.filter(event=Event.ACCESS_FLAG_CLOSED).exists()


def test_a_missing_outcome_is_refused_beside_its_field(populated: World) -> None:
    w = populated
    f = flag(w)

    refused = client_for(w.registrar_officer).post(
        f"/backoffice/exchange/flags/{f.id}/close/", {f"flag{f.id}-note": NOTE}
    )

    assert refused.status_code == 400
    assert "Choose what you found." in error_beside(refused, f"id_flag{f.id}-outcome")
    still = flag_raised_by(actor=w.citizen, flag_id=f.id)
    assert still is not None and still.status == "open"


def test_the_closed_flag_shows_the_outcome_and_note_to_the_providers_officer(
    populated: World,
) -> None:
    w = populated
    f = flag(w)
    officer = client_for(w.registrar_officer)

    closed = officer.post(
        f"/backoffice/exchange/flags/{f.id}/close/",
        {f"flag{f.id}-outcome": "acted_on", f"flag{f.id}-note": NOTE},
    )
    page = officer.get("/backoffice/exchange/flags/?status=closed").content.decode()

    assert closed.status_code == 302
    row = flag_raised_by(actor=w.citizen, flag_id=f.id)
    assert row is not None
    assert (row.status, row.outcome, row.closing_note) == ("closed", "acted_on", NOTE)
    assert row.closed_at is not None
    assert NOTE in page and "Misuse found and acted on" in page
    assert (
        NOTE
        not in client_for(w.welfare_officer)
        .get("/backoffice/exchange/flags/?status=all")
        .content.decode()
    )
    assert Notification.objects.filter(event=Event.ACCESS_FLAG_CLOSED).count() == 2  # inbox, e-mail


def test_a_flag_closed_meanwhile_says_so_and_shows_the_note_to_keep(populated: World) -> None:
    w = populated
    f = flag(w)
    # A colleague closes it first, from another page.
    close_flag(actor=w.registrar_officer, flag_id=f.id, outcome="explained", note=NOTE)
    officer = client_for(w.registrar_officer)

    late = officer.post(
        f"/backoffice/exchange/flags/{f.id}/close/",
        {
            f"flag{f.id}-outcome": "acted_on",
            f"flag{f.id}-note": "A second answer, typed at length.",
        },
    )

    assert late.status_code == 400
    alert = parse(late.content).find_all(role="alert")
    text = " ".join(a.text for a in alert)
    assert "it changed since you opened this page" in text
    assert "This flag is already closed." in text
    assert "A second answer, typed at length." in text
    row = flag_raised_by(actor=w.citizen, flag_id=f.id)
    assert row is not None
    assert (row.outcome, row.closing_note) == ("explained", NOTE)
