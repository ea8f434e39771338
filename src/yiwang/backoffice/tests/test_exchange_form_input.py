"""What a data officer sends on the exchange pages is checked before anything changes: a note
the form refuses leaves the agreement as it was, a revoke that names no token revokes none, a
request for a registry that is no longer there keeps what was typed, and a date input carries
an ISO date whatever the language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from yiwang.backoffice.tests.test_exchange_pages import (
    LANGUAGES,
    agreement,
    client_for,
    live,
    request_form,
    requested,
)
from yiwang.core import clock
from yiwang.core.testing.html import parse
from yiwang.exchange import services
from yiwang.exchange.constants import AgreementState
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    signing_key,
    world,
)
from yiwang.exchange.tests.helpers import switch_registry
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "signing_key", "world"]

NEW = "/backoffice/exchange/agreements/new/"
TOO_LONG = "x" * 5000
WITH_NUL = "Looks fine\x00but is not"
REASON_NEEDED = "Give a reason: the other department reads it."


def _note_error(response: Any, action: str) -> str:
    """The error shown beside the action's note field."""
    page = response.content.decode()
    beside = page.split(f'id="id_{action}-note-error"', 1)
    assert len(beside) == 2, "no error beside the note"
    return beside[1].split("</p>", 1)[0]


# --- 1. The note with a decision on an agreement ------------------------------------------------


@pytest.mark.parametrize("note", [TOO_LONG, WITH_NUL], ids=["too-long", "nul"])
def test_an_approval_with_a_note_the_form_refuses_changes_nothing(loaded: World, note: str) -> None:
    w = loaded
    code = requested(w)
    provider = client_for(w.registrar_officer)

    response = provider.post(
        f"/backoffice/exchange/agreements/{code}/approve/", {"approve-note": note}
    )

    assert response.status_code == 400
    assert agreement(w, code).state == AgreementState.REQUESTED
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "approve")
    assert list(form.errors) == ["note"]
    assert _note_error(response, "approve")
    assert "now “" not in response.content.decode()
    if note is TOO_LONG:  # kept as typed, to shorten rather than write again
        assert TOO_LONG in response.content.decode()


def test_resuming_with_a_note_the_form_refuses_changes_nothing(loaded: World) -> None:
    w = loaded
    code = requested(w)
    services.approve_agreement(actor=w.registrar_officer, agreement=code)
    services.suspend_agreement(actor=w.registrar_officer, agreement=code, note="Audit")
    response = client_for(w.registrar_officer).post(
        f"/backoffice/exchange/agreements/{code}/resume/", {"resume-note": TOO_LONG}
    )
    assert response.status_code == 400
    assert agreement(w, code).state == AgreementState.SUSPENDED


@pytest.mark.parametrize("action", ["reject", "revoke"])
@pytest.mark.parametrize("note", [TOO_LONG, WITH_NUL], ids=["too-long", "nul"])
def test_a_reason_the_form_refuses_is_the_only_problem_shown(
    loaded: World, action: str, note: str
) -> None:
    w = loaded
    code = requested(w)
    response = client_for(w.registrar_officer).post(
        f"/backoffice/exchange/agreements/{code}/{action}/", {f"{action}-note": note}
    )
    assert response.status_code == 400
    assert agreement(w, code).state == AgreementState.REQUESTED
    form = next(a["form"] for a in response.context["actions"] if a["name"] == action)
    [problem] = form.errors["note"]
    assert problem != REASON_NEEDED
    assert not form.non_field_errors()
    assert REASON_NEEDED not in response.content.decode()


def test_a_missing_reason_is_said_once_beside_the_field(loaded: World) -> None:
    w = loaded
    code = requested(w)
    response = client_for(w.registrar_officer).post(
        f"/backoffice/exchange/agreements/{code}/reject/", {"reject-note": "   "}
    )
    assert response.status_code == 400
    assert REASON_NEEDED in _note_error(response, "reject")
    assert agreement(w, code).state == AgreementState.REQUESTED


# --- 2. Revoking one token ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent", [{}, {"prefix": ""}, {"prefix": "  "}], ids=["none", "empty", "blank"]
)
def test_a_revoke_that_names_no_token_revokes_none(loaded: World, sent: dict[str, str]) -> None:
    w = loaded
    admin = StaffFactory(
        username="tax.admin",
        membership__department=w.tax_office,
        membership__role=Role.DEPARTMENT_ADMIN,
    )
    system = services.register_system(actor=admin, department="tax_office", name="tax-core")
    services.issue_credential(actor=admin, system=system)
    services.issue_credential(actor=admin, system=system)
    client = client_for(admin)

    response = client.post(f"/backoffice/exchange/systems/{system.pk}/revoke/", sent, follow=True)

    assert len(live(admin, system)) == 2
    shown = [str(m) for m in response.context["messages"]]
    assert shown and all("revoked. It no longer works" not in m for m in shown)
    assert any("Nothing was revoked" in m for m in shown)
    # Naming a token the system does not have says so, and revokes nothing else.
    stale = client.post(
        f"/backoffice/exchange/systems/{system.pk}/revoke/", {"prefix": "000000000000"}, follow=True
    )
    assert [str(m) for m in stale.context["messages"]] == [
        "This system has no token with the prefix “000000000000”."
    ]
    assert len(live(admin, system)) == 2


# --- 3. A request for a registry that is not available ----------------------------------------


@pytest.mark.parametrize("registry", [None, "", "no_such_registry", "people"])
def test_a_request_for_a_registry_not_available_keeps_what_was_typed(
    loaded: World, registry: str | None
) -> None:
    w = loaded
    client = client_for(w.tax_officer)
    typed = request_form(code="tax_people_2", legal_basis_en="Tax Act, article 9")
    if registry is None:
        del typed["registry"]
    else:
        typed["registry"] = registry
    if registry == "people":  # switched off between loading the form and sending it
        switch_registry("people", active=False)

    response = client.post(NEW, typed)

    assert response.status_code == 200
    chooser = response.context["form"]
    [problem] = chooser.errors["registry"]
    assert "not available" in problem and "what you typed is kept" in problem
    page = parse(response.content)
    assert problem in page.one("div", class_="error-summary").text
    assert agreement(w, "tax_people_2") is None

    # Choosing a registry again brings back the form as it was typed.
    if registry == "people":
        switch_registry("people", active=True)
    again = client.get(NEW, {"registry": "people"})
    form = again.context["form"]
    assert not form.is_bound
    for name in ("code", "name_zh", "name_en", "legal_basis_zh", "legal_basis_en"):
        assert form[name].value() == typed[name], name
    assert form["data_items"].value() == typed["data_items"]
    assert form["purposes"].value() == typed["purposes"]
    assert form["mask_birth_date"].value() == "year_month"
    assert form["valid_until"].value() == typed["valid_until"]
    assert "Tax Act, article 9" in again.content.decode()

    # Sent, it is requested; a new request afterwards starts empty.
    sent = client.post(NEW, {**typed, "registry": "people"})
    assert sent.status_code == 302
    assert agreement(w, "tax_people_2").state == AgreementState.REQUESTED
    assert client.get(NEW, {"registry": "people"}).context["form"]["code"].value() is None


def test_a_new_request_does_not_bring_back_an_abandoned_one(loaded: World) -> None:
    client = client_for(loaded.tax_officer)
    client.post(NEW, request_form(registry="no_such_registry", code="abandoned"))
    assert client.get(NEW).status_code == 200  # the start of a new request
    assert client.get(NEW, {"registry": "people"}).context["form"]["code"].value() is None


# --- 4. Dates in date inputs --------------------------------------------------------------------


def _date_inputs(response: Any) -> dict[str, str]:
    page = parse(response.content)
    return {i.get("name"): i.get("value") for i in page.find_all("input", type="date")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_request_forms_date_inputs_carry_iso_dates(loaded: World, language: str) -> None:
    client = client_for(loaded.tax_officer, language)
    today = timezone.localdate(clock.now())

    blank = client.get(NEW, {"registry": "people"})
    assert _date_inputs(blank)["valid_from"] == today.isoformat()

    # Sent back with a mistake elsewhere: the dates as sent, in ISO, whatever was typed.
    wrong = client.post(
        NEW, request_form(data_items=[], valid_from="2026/11/29", valid_until="2027-06-30")
    )
    assert wrong.status_code == 200
    assert _date_inputs(wrong) == {"valid_from": "2026-11-29", "valid_until": "2027-06-30"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("typed", ["2027-06-30", "2027/06/30"])
def test_a_date_is_understood_the_same_in_every_language(
    loaded: World, language: str, typed: str
) -> None:
    client = client_for(loaded.tax_officer, language)
    response = client.post(NEW, request_form(valid_until=typed))
    assert response.status_code == 302, response.context["form"].errors
    assert agreement(loaded, "tax_people").valid_until == dt.date(2027, 6, 30)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_only_one_language_writes_is_refused_in_every_language(
    loaded: World, language: str
) -> None:
    # 06/30/2027 is Django's English format, 2027年6月30日 its Chinese one: neither is taken.
    client = client_for(loaded.tax_officer, language)
    for typed in ("06/30/2027", "2027年6月30日"):
        response = client.post(NEW, request_form(valid_until=typed))
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["valid_until"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filter_date_inputs_carry_iso_dates(staff: Any, log_in: Any, language: str) -> None:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    log_in(client, "clerk.zhou")
    queue = client.get("/backoffice/queue/", {"due_before": "2026/03/31"})
    assert queue.status_code == 200
    assert _date_inputs(queue)["due_before"] == "2026-03-31"
