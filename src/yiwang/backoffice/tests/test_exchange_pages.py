"""The exchange in the back office: agreements for data officers (request on the consumer's
side, decide on the provider's), flags routed to the provider, and department systems' tokens
shown once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from yiwang.core import clock
from yiwang.core.testing.browser import logged_in_page
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.exchange.constants import AgreementState, FlagStatus, Reason
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    populated,
    signing_key,
    world,
)
from yiwang.exchange.tests.helpers import read
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]

LANGUAGES = ["zh-hans", "en"]


def client_for(account: Any, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(account)
    return client


def request_form(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate(clock.now())
    data: dict[str, Any] = {
        "registry": "people",
        "consumer": "tax_office",
        "code": "tax_people",
        "name_zh": "税务读取人口信息",
        "name_en": "Tax office reads people data",
        "data_items": ["person_name", "birth_date"],
        "purposes": ["benefit_assessment"],
        "legal_basis_zh": "《示例税法》第三条",
        "legal_basis_en": "Example Tax Act, article 3",
        "legal_basis_url": "https://law.example.org/tax/3",
        "sharing_class": "unconditional",
        "mask_birth_date": "year_month",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return data


def agreement(w: World, code: str) -> Any:
    return exchange.agreement_for(actor=w.registrar_officer, code=code)


def credentials(actor: Any, system: Any) -> list[Any]:
    return list(exchange.systems_for(actor=actor).get(pk=system.pk).credentials.all())


def live(actor: Any, system: Any) -> list[Any]:
    return [c for c in credentials(actor, system) if c.revoked_at is None]


def requested(w: World) -> str:
    response = client_for(w.tax_officer).post(
        "/backoffice/exchange/agreements/new/", request_form()
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return "tax_people"


@pytest.mark.parametrize("language", LANGUAGES)
def test_agreement_pages_render_for_data_officers(loaded: World, language: str) -> None:
    client = client_for(loaded.registrar_officer, language)
    listing = client.get("/backoffice/exchange/agreements/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "welfare_people_basic" in text
    assert ("Provider" if language == "en" else "提供方") in text
    detail = client.get("/backoffice/exchange/agreements/welfare_people_basic/")
    assert detail.status_code == 200
    assert ("Approved" if language == "en" else "已批准") in detail.content.decode()
    assert client.get("/backoffice/exchange/flags/").status_code == 200
    tax = client_for(loaded.tax_officer, language)
    assert tax.get("/backoffice/exchange/agreements/new/").status_code == 200
    form = tax.get("/backoffice/exchange/agreements/new/", {"registry": "people"})
    assert form.status_code == 200
    assert 'name="mask_birth_date"' in form.content.decode()


def test_request_approve_suspend_revoke_by_the_right_officers(populated: World) -> None:
    w = populated
    code = requested(w)
    asked = agreement(w, code)
    assert asked.state == AgreementState.REQUESTED
    assert asked.masking == {"birth_date": "year_month"}
    assert asked.requested_by == w.tax_officer
    url = f"/backoffice/exchange/agreements/{code}/"
    # The consumer cannot approve its own request; a department with no part in it sees nothing.
    assert client_for(w.tax_officer).post(url + "approve/").status_code == 403
    assert client_for(w.commerce_officer).post(url + "approve/").status_code == 404
    assert client_for(w.commerce_officer).get(url).status_code == 404
    provider = client_for(w.registrar_officer)
    assert provider.post(url + "approve/").status_code == 302
    assert agreement(w, code).state == AgreementState.APPROVED
    assert read(w).allowed
    # A suspension needs a reason, said next to the field.
    missing = provider.post(url + "suspend/", {"suspend-note": ""})
    assert missing.status_code == 400
    assert 'class="error-summary"' in missing.content.decode()
    assert agreement(w, code).state == AgreementState.APPROVED
    assert provider.post(url + "suspend/", {"suspend-note": "Audit"}).status_code == 302
    assert read(w).reason == Reason.SUSPENDED
    assert provider.post(url + "resume/").status_code == 302
    assert read(w).allowed
    # The consumer may withdraw (revoke) its agreement.
    assert client_for(w.tax_officer).post(url + "revoke/", {"revoke-note": "No longer needed"})
    assert agreement(w, code).state == AgreementState.REVOKED
    assert read(w).reason == Reason.REVOKED
    history = provider.get(url).content.decode()
    for word in ("Requested", "Approved", "Suspended", "Resumed", "Revoked", "No longer needed"):
        assert word in history


def test_reject_needs_a_reason_and_is_for_the_provider(loaded: World) -> None:
    w = loaded
    code = requested(w)
    url = f"/backoffice/exchange/agreements/{code}/reject/"
    assert client_for(w.tax_officer).post(url, {"reject-note": "x"}).status_code == 403
    assert client_for(w.registrar_officer).post(url, {"reject-note": "No legal basis"})
    assert agreement(w, code).state == AgreementState.REJECTED


def test_an_action_overtaken_by_another_says_so_and_shows_the_note(loaded: World) -> None:
    w = loaded
    code = requested(w)
    url = f"/backoffice/exchange/agreements/{code}/"
    provider = client_for(w.registrar_officer)
    assert provider.post(url + "reject/", {"reject-note": "No legal basis"}).status_code == 302

    # The same officer's other tab still shows "Approve", with a note typed in it.
    late = provider.post(url + "approve/", {"approve-note": "Checked with the legal team."})

    page = late.content.decode()
    assert late.status_code == 400
    assert "“Approve” was not done: the agreement has changed since you opened this page." in page
    assert "Checked with the legal team." in page
    assert agreement(w, code).state == AgreementState.REJECTED


def test_request_form_reports_mistakes_beside_the_fields(loaded: World) -> None:
    response = client_for(loaded.tax_officer).post(
        "/backoffice/exchange/agreements/new/",
        request_form(
            data_items=[],
            sharing_class="conditional",
            valid_until="2000-01-01",
            code="welfare_people_basic",
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="error-summary"' in text
    assert "Choose at least one kind of data." in text
    assert "Conditional sharing needs at least one condition" in text
    assert "The end date must be on or after the start date." in text
    assert agreement(loaded, "tax_people") is None


def test_only_data_officers_reach_the_agreement_pages(loaded: World) -> None:
    reviewer = client_for(loaded.tax_reviewer)
    assert reviewer.get("/backoffice/exchange/agreements/").status_code == 403
    assert reviewer.get("/backoffice/exchange/agreements/new/").status_code == 403
    assert reviewer.get("/backoffice/exchange/flags/").status_code == 403


def test_the_agreements_page_links_only_to_pages_the_reader_may_open(loaded: World) -> None:
    from yiwang.core.testing.html import parse
    from yiwang.identity.tests.factories import DepartmentFactory

    admin = StaffFactory(
        username="platform.admin",
        membership__department=DepartmentFactory(code="platform"),
        membership__role=Role.PLATFORM_ADMIN,
    )
    wanted = ("/backoffice/exchange/flags/", "/backoffice/exchange/corrections/")
    for account, shown in ((loaded.registrar_officer, True), (admin, False)):
        client = client_for(account)
        page = parse(client.get("/backoffice/exchange/agreements/").content)
        links = {a.get("href") for a in page.one("main").find_all("a")}
        for url in wanted:
            assert (url in links) is shown, (account, url)
            # Each link shown opens; each page not linked is one the reader may not open.
            assert client.get(url).status_code == (200 if shown else 403)


@pytest.mark.parametrize(
    ("language", "registrar", "people"),
    [("en", "Registrar", "People registry (Registrar)"), ("zh-hans", "登记局", "人口库（登记局）")],
)
def test_departments_are_named_not_coded(
    loaded: World, language: str, registrar: str, people: str
) -> None:
    from yiwang.core.testing.html import parse

    w = loaded
    code = requested(w)
    client = client_for(w.registrar_officer, language)
    assert client.post(f"/backoffice/exchange/agreements/{code}/approve/").status_code == 302

    page = parse(client.get(f"/backoffice/exchange/agreements/{code}/").content)
    steps = [li.text for li in page.one("ol", class_="timeline").find_all("li")]
    assert steps and all("(tax_office)" not in s and "(registrar)" not in s for s in steps)
    assert f"({registrar})" in steps[-1]

    form = parse(
        client_for(w.tax_officer, language).get("/backoffice/exchange/agreements/new/").content
    )
    options = {o.get("value"): o.text for o in form.find_all("option")}
    assert options["people"] == people


def test_flags_reach_the_providers_officer_who_closes_them(populated: World) -> None:
    w = populated
    result = read(
        w,
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        fields=["person_name"],
    )
    assert result.allowed
    services.flag_access(actor=w.citizen, entry=result.access_log_id, reason="Not my case")
    [flag] = exchange.flags_for(actor=w.registrar_officer)
    provider = client_for(w.registrar_officer)
    page = provider.get("/backoffice/exchange/flags/").content.decode()
    assert "Not my case" in page and "Welfare" in page
    for other in (w.commerce_officer, w.welfare_officer):
        assert (
            "Not my case"
            not in client_for(other).get("/backoffice/exchange/flags/").content.decode()
        )
        assert (
            client_for(other)
            .post(
                f"/backoffice/exchange/flags/{flag.id}/close/",
                {f"flag{flag.id}-outcome": "explained", f"flag{flag.id}-note": "x"},
            )
            .status_code
            == 404
        )
    empty = provider.post(f"/backoffice/exchange/flags/{flag.id}/close/", {})
    assert empty.status_code == 400
    closed = provider.post(
        f"/backoffice/exchange/flags/{flag.id}/close/",
        {
            f"flag{flag.id}-outcome": "explained",
            f"flag{flag.id}-note": "Welfare had an open case; read was lawful",
        },
    )
    assert closed.status_code == 302
    assert exchange.flags_for(actor=w.registrar_officer)[0].status == FlagStatus.CLOSED
    assert "Not my case" not in provider.get("/backoffice/exchange/flags/").content.decode()
    assert (
        "Not my case" in provider.get("/backoffice/exchange/flags/?status=closed").content.decode()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_token_is_shown_once_and_works(loaded: World, language: str) -> None:
    w = loaded
    admin = StaffFactory(
        username="tax.admin",
        membership__department=w.tax_office,
        membership__role=Role.DEPARTMENT_ADMIN,
    )
    system = services.register_system(actor=admin, department="tax_office", name="tax-core")
    client = client_for(admin, language)
    listing = client.get("/backoffice/exchange/systems/")
    assert listing.status_code == 200 and "tax-core" in listing.content.decode()
    issued = client.post(f"/backoffice/exchange/systems/{system.pk}/issue/")
    assert issued.status_code == 200
    assert issued["Cache-Control"] == "no-store"
    [credential] = credentials(admin, system)
    token = next(
        word
        for word in issued.content.decode().replace("<", " ").replace(">", " ").split()
        if word.startswith(f"ywds_{credential.prefix}_")
    )
    found = services.authenticate_system(token)
    assert found is not None and found.pk == system.pk
    # Never again: the list shows the prefix only.
    again = client.get("/backoffice/exchange/systems/").content.decode()
    assert credential.prefix in again and token not in again
    rotated = client.post(f"/backoffice/exchange/systems/{system.pk}/rotate/")
    assert rotated.status_code == 200
    assert services.authenticate_system(token) is None
    [current] = live(admin, system)
    assert (
        client.post(
            f"/backoffice/exchange/systems/{system.pk}/revoke/", {"prefix": current.prefix}
        ).status_code
        == 302
    )
    assert live(admin, system) == []


def test_systems_of_other_departments_are_out_of_reach(loaded: World) -> None:
    w = loaded
    system = services.register_system(actor=w.tax_officer, department="tax_office", name="core")
    outsider = client_for(w.commerce_officer)
    assert "core" not in outsider.get("/backoffice/exchange/systems/").content.decode()
    assert outsider.post(f"/backoffice/exchange/systems/{system.pk}/issue/").status_code == 404
    assert credentials(w.tax_officer, system) == []
    assert client_for(w.tax_reviewer).get("/backoffice/exchange/systems/").status_code == 403


# --- In the browser: axe-core on each page, in both languages ----------------------------------


def logged_in(new_page: Any, live_server: Any, account: Any, language: str) -> Any:
    return logged_in_page(new_page, live_server, account, language=language, javascript=False)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_agreement_pages_pass_axe(
    live_server: Any, new_page: Any, populated: World, language: str, lang: str
) -> None:
    from yiwang.core.testing.browser import assert_accessible

    w = populated
    requested(w)
    page = logged_in(new_page, live_server, w.registrar_officer, language)
    page.goto(live_server.url + "/backoffice/exchange/agreements/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("tbody tr").count() == 3
    assert_accessible(page)
    page.goto(live_server.url + "/backoffice/exchange/agreements/tax_people/")
    assert page.locator("form.panel").count() == 3  # approve, reject, revoke
    assert_accessible(page)
    # Reject without a reason: the error summary and the message beside the field.
    page.locator('form[action$="/reject/"] button[type=submit]').click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    # A flag to close: the form, the errors beside its fields, then the closed flag's answer.
    entry = read(
        w,
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        fields=["person_name"],
    ).access_log_id
    assert entry is not None
    services.flag_access(actor=w.citizen, entry=entry, reason="Not my case")
    page.goto(live_server.url + "/backoffice/exchange/flags/")
    assert page.locator("main form input[type=radio]").count() == 2
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator(".field--error").count() == 2
    assert_accessible(page)
    page.locator("main form input[type=radio]").first.check()
    page.locator("main form textarea").fill("Welfare had an open case.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/backoffice/exchange/flags/?status=closed")
    expect(page.get_by_text("Welfare had an open case.")).to_be_visible()
    assert_accessible(page)
    officer = logged_in(new_page, live_server, w.tax_officer, language)
    officer.goto(live_server.url + "/backoffice/exchange/agreements/new/?registry=people")
    officer.locator("main form button[type=submit]").click()
    officer.wait_for_load_state()
    expect(officer.locator(".error-summary")).to_be_visible()
    assert_accessible(officer)
    officer.goto(live_server.url + "/backoffice/exchange/systems/")
    assert_accessible(officer)
