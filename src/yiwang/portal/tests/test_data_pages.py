"""数据使用记录 and consent pages: a person sees who read their data, flags a read, gives and
revokes consent — and never sees anyone else's log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from yiwang.core import clock
from yiwang.core.testing.browser import logged_in_page
from yiwang.core.testing.html import parse
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.exchange.constants import FlagStatus, Reason
from yiwang.exchange.selectors import FlagOutcome, flags_raised_by
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

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]

LANGUAGES = ["zh-hans", "en"]


def client_for(account: Any, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(account)
    return client


def welfare_reads(w: World, **kwargs: Any) -> Any:
    asked: dict[str, Any] = {
        "subject": w.national_id,
        "fields": ["person_name", "birth_date"],
        "purpose": "benefit_assessment",
        "registry": "people",
    }
    asked.update(kwargs)
    requester = Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER)
    return services.read(requester=requester, **asked)


def contributions_read(w: World) -> Any:
    return welfare_reads(w, registry="contributions", fields=["insured", "monthly_contribution"])


def grant(w: World) -> Any:
    return services.grant_consent(
        actor=w.citizen,
        consumer="welfare",
        registry="contributions",
        purpose="benefit_assessment",
        fields=["insured", "monthly_contribution"],
        expires_at=clock.now() + dt.timedelta(days=30),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_access_log_lists_each_read_in_the_persons_language(
    populated: World, language: str
) -> None:
    result = welfare_reads(populated)
    assert result.allowed
    response = client_for(populated.citizen, language).get("/my/data/")
    assert response.status_code == 200
    text = response.content.decode()
    assert ("Welfare" if language == "en" else "民政局") in text
    # The officials' own name is shown where the agreement does not hide it.
    assert str(populated.welfare_reviewer) in text
    assert ("Example Regulation, article 10" if language == "en" else "《示例条例》第十条") in text
    assert f"/my/data/{result.access_log_id}/flag/" in text


def test_restricted_identity_shows_the_role_not_the_name(populated: World) -> None:
    grant(populated)
    assert contributions_read(populated).allowed
    text = client_for(populated.citizen).get("/my/data/").content.decode()
    assert str(Role.REVIEWER.label) in text
    assert str(populated.welfare_reviewer) not in text


def test_a_person_sees_only_their_own_log(populated: World) -> None:
    result = welfare_reads(populated)
    other = client_for(populated.other_citizen)
    response = other.get("/my/data/")
    assert response.status_code == 200
    assert f"/my/data/{result.access_log_id}/flag/" not in response.content.decode()
    assert other.get(f"/my/data/{result.access_log_id}/flag/").status_code == 404
    refused = other.post(f"/my/data/{result.access_log_id}/flag/", {"reason": "not mine"})
    assert refused.status_code == 404
    assert exchange.flags_for(actor=populated.registrar_officer) == []


def test_filter_by_department_and_date(populated: World) -> None:
    welfare_reads(populated)
    client = client_for(populated.citizen)
    today = timezone.localdate(clock.now())
    kept = client.get("/my/data/", {"department": "welfare", "since": today.isoformat()})
    assert "Welfare" in parse(kept.content).find("main").text
    assert kept.content.decode().count("/flag/") == 1
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    none = client.get("/my/data/", {"since": tomorrow})
    assert "No use of the data matches this filter." in none.content.decode()
    wrong = client.get("/my/data/", {"since": tomorrow, "until": today.isoformat()})
    assert "error-summary" in wrong.content.decode()


def test_pages_after_the_first(populated: World) -> None:
    for _ in range(30):
        welfare_reads(populated)
    client = client_for(populated.citizen)
    first = client.get("/my/data/").content.decode()
    assert first.count("/flag/") == 25 and "page=2" in first
    second = client.get("/my/data/", {"page": 2}).content.decode()
    assert second.count("/flag/") == 5 and "page=3" not in second


def test_a_page_number_past_any_log_is_not_found_rather_than_an_error(populated: World) -> None:
    client = client_for(populated.citizen)
    assert client.get("/my/data/", {"page": "99999999999999999999"}).status_code == 404
    assert client.get("/my/data/", {"page": "1000000"}).status_code == 200  # empty, past the end
    assert client.get("/my/data/", {"page": "abc"}).status_code == 200  # the first page


@pytest.mark.parametrize("language", LANGUAGES)
def test_flag_a_read_reaches_the_providers_data_officer_only(
    populated: World, language: str
) -> None:
    w = populated
    result = welfare_reads(w)
    client = client_for(w.citizen, language)
    form = client.get(f"/my/data/{result.access_log_id}/flag/")
    assert form.status_code == 200
    empty = client.post(f"/my/data/{result.access_log_id}/flag/", {"reason": " "})
    assert empty.status_code == 200
    assert 'class="error-summary"' in empty.content.decode()
    sent = client.post(
        f"/my/data/{result.access_log_id}/flag/", {"reason": "I have no case at welfare"}
    )
    assert sent.status_code == 302
    assert client.get(sent["Location"]).status_code == 200
    [flag] = exchange.flag_details_for(actor=w.registrar_officer)
    assert flag.provider_code == "registrar" and flag.flag.status == FlagStatus.OPEN
    assert flag.entry.id == result.access_log_id
    assert exchange.flags_for(actor=w.commerce_officer) == []
    assert exchange.flags_for(actor=w.welfare_officer) == []
    # The entry now says it was flagged instead of offering the button again.
    listed = client.get("/my/data/").content.decode()
    assert f"/my/data/{result.access_log_id}/flag/" not in listed


def test_firm_representative_sees_the_firms_log_on_its_own_tab(populated: World) -> None:
    from yiwang.identity.constants import RepresentativeRole
    from yiwang.identity.models import Firm, FirmRepresentative

    w = populated
    firm = Firm.objects.create(uscc=w.firm_uscc, name="示例餐饮有限公司")
    FirmRepresentative.objects.create(
        firm=firm, person=w.person, role=RepresentativeRole.LEGAL_REPRESENTATIVE
    )
    system = services.register_system(actor=w.welfare_officer, department="welfare", name="stats")
    services.read(
        requester=Requester.for_system(system),
        subject=w.firm_uscc,
        registry="firms",
        fields=["firm_name"],
        purpose="statistics",
    )
    client = client_for(w.citizen)
    page = client.get("/my/data/", {"firm": w.firm_uscc})
    assert page.status_code == 200
    assert page.content.decode().count("/flag/") == 1
    assert "Department system" in page.content.decode() or "stats" in page.content.decode()
    assert client.get("/my/data/").content.decode().count("/flag/") == 0
    assert client_for(w.other_citizen).get("/my/data/", {"firm": w.firm_uscc}).status_code == 404


def test_a_colleagues_flag_on_the_firms_log_is_not_shown_as_the_readers_own(
    populated: World,
) -> None:
    from yiwang.identity.constants import RepresentativeRole
    from yiwang.identity.models import Firm, FirmRepresentative, Person

    w = populated
    firm = Firm.objects.create(uscc=w.firm_uscc, name="示例餐饮有限公司")
    for person in (w.person, Person.objects.get(account=w.other_citizen)):
        FirmRepresentative.objects.create(
            firm=firm, person=person, role=RepresentativeRole.LEGAL_REPRESENTATIVE
        )
    entry_id = welfare_reads(
        w, subject=w.firm_uscc, registry="firms", fields=["firm_name"], purpose="statistics"
    ).access_log_id
    flagger, colleague = client_for(w.citizen), client_for(w.other_citizen)
    sent = flagger.post(f"/my/data/{entry_id}/flag/", {"reason": "we applied for nothing"})
    assert sent.status_code == 302
    assert "You have flagged this use." in flagger.get("/my/data/", {"firm": w.firm_uscc}).text

    # The colleague is offered the button, not told they flagged it, and may flag it themselves.
    listed = colleague.get("/my/data/", {"firm": w.firm_uscc}).text
    assert "You have flagged this use." not in listed
    assert f"/my/data/{entry_id}/flag/" in listed
    assert f"/my/data/{entry_id}/flagged/" not in listed
    sent = colleague.post(f"/my/data/{entry_id}/flag/", {"reason": "not by us either"})
    assert sent.status_code == 302
    listed = colleague.get("/my/data/", {"firm": w.firm_uscc}).text
    assert "You have flagged this use." in listed
    page = colleague.get(f"/my/data/{entry_id}/flagged/").text
    assert "not by us either" in page and "we applied for nothing" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_consent_pages_render(populated: World, language: str) -> None:
    grant(populated)
    client = client_for(populated.citizen, language)
    listing = client.get("/my/consents/")
    assert listing.status_code == 200
    assert ("Welfare" if language == "en" else "民政局") in listing.content.decode()
    assert client.get("/my/consents/new/").status_code == 200


def test_grant_consent_lets_the_department_read_and_revoking_stops_it(
    populated: World,
) -> None:
    w = populated
    assert contributions_read(w).reason == Reason.CONSENT_MISSING
    client = client_for(w.citizen)
    until = (timezone.localdate(clock.now()) + dt.timedelta(days=10)).isoformat()
    response = client.post(
        "/my/consents/new/",
        {
            "choice": "welfare_contributions:benefit_assessment",
            "data_items": ["insured", "monthly_contribution"],
            "expires_on": until,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [consent] = exchange.consents_for(actor=w.citizen)
    assert consent.fields == ("insured", "monthly_contribution")
    assert contributions_read(w).allowed
    assert client.get(f"/my/consents/{consent.id}/revoke/").status_code == 200
    assert client.post(f"/my/consents/{consent.id}/revoke/").status_code == 302
    denied = contributions_read(w)
    assert not denied.allowed and denied.reason == Reason.CONSENT_REVOKED


def test_consent_form_reports_each_mistake_beside_its_field(populated: World) -> None:
    client = client_for(populated.citizen)
    response = client.post("/my/consents/new/", {"expires_on": "2001-01-01"})
    doc = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in doc
    assert "<title>Error: Give a new consent –" in doc  # said once, not "Error: Error:"
    assert "Choose a department and what it may use your data for." in doc
    assert "Choose at least one kind of data." in doc
    assert "Choose an end date in the future." in doc
    assert exchange.consents_for(actor=populated.citizen) == []


def test_consent_form_refuses_the_last_day_of_the_calendar_beside_the_field(
    populated: World,
) -> None:
    client = client_for(populated.citizen)
    response = client.post(
        "/my/consents/new/",
        {
            "choice": "welfare_contributions:benefit_assessment",
            "data_items": ["insured"],
            "expires_on": "9999-12-31",
        },
    )
    assert response.status_code == 200
    assert "Choose an earlier end date." in response.content.decode()
    assert exchange.consents_for(actor=populated.citizen) == []


def test_another_persons_consent_cannot_be_revoked(populated: World) -> None:
    consent = grant(populated)
    other = client_for(populated.other_citizen)
    assert other.post(f"/my/consents/{consent.id}/revoke/").status_code == 404
    [still] = exchange.consents_for(actor=populated.citizen)
    assert still.id == consent.id and still.revoked_at is None


def test_pages_need_a_portal_login(populated: World) -> None:
    anonymous = Client(HTTP_HOST="localhost")
    for url in ("/my/data/", "/my/consents/", "/my/consents/new/"):
        assert anonymous.get(url).status_code == 302


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Name, Date of birth"), ("zh-hans", "姓名、出生日期")]
)
def test_the_data_read_is_listed_as_the_language_lists_things(
    populated: World, language: str, expected: str
) -> None:
    welfare_reads(populated)
    page = parse(client_for(populated.citizen, language).get("/my/data/").content)
    data = [
        row.one("dd").text
        for row in page.one("ul", class_="result-list").find_all("div")
        if [d.text for d in row.find_all("dt")] in (["Data"], ["数据项"])
    ]
    assert data == [expected]


def test_a_kind_of_data_read_several_times_is_named_once() -> None:
    from django.utils import translation

    from yiwang.portal.views_data import _data_items

    names = ("Name", "Name", "Date of birth", "Name")
    with translation.override("en"):
        assert _data_items(names) == "Name, Date of birth"
    with translation.override("zh-hans"):
        assert _data_items(("姓名", "姓名", "出生日期")) == "姓名、出生日期"


def firm_log(w: World, **names: str) -> Any:
    """The world's firm, represented by its citizen, with one read of its data."""
    from yiwang.identity.constants import RepresentativeRole
    from yiwang.identity.models import Firm, FirmRepresentative

    firm = Firm.objects.create(uscc=w.firm_uscc, **names)
    FirmRepresentative.objects.create(
        firm=firm, person=w.person, role=RepresentativeRole.LEGAL_REPRESENTATIVE
    )
    welfare_reads(
        w, subject=w.firm_uscc, registry="firms", fields=["firm_name"], purpose="statistics"
    )
    return firm


def test_an_english_page_names_the_firm_in_english(populated: World) -> None:
    firm_log(populated, name="示例餐饮有限公司", name_en="Example Catering Co., Ltd.")
    client = client_for(populated.citizen, "en")

    page = parse(client.get("/my/data/", {"firm": populated.firm_uscc}).content)

    assert page.one("title").text.startswith("Who used the data of Example Catering Co., Ltd.")
    assert page.one("h1").text == "Who used the data of Example Catering Co., Ltd."
    tabs = page.one("nav", aria_label="Whose data")
    assert [a.text for a in tabs.find_all("a")] == ["My own data", "Example Catering Co., Ltd."]
    assert "示例餐饮有限公司" not in page.one("main").text
    # The Chinese page keeps the Chinese name.
    zh = parse(
        client_for(populated.citizen, "zh-hans")
        .get("/my/data/", {"firm": populated.firm_uscc})
        .content
    )
    assert zh.one("h1").text == "示例餐饮有限公司 的数据使用记录"


def test_a_firm_without_an_english_name_is_marked_as_chinese(populated: World) -> None:
    firm_log(populated, name="示例餐饮有限公司")

    page = parse(
        client_for(populated.citizen, "en").get("/my/data/", {"firm": populated.firm_uscc}).content
    )

    assert page.one("title").text.startswith("Who used the data of 示例餐饮有限公司")
    [marked] = page.one("h1").find_all("span", lang="zh-Hans")
    assert marked.text == "示例餐饮有限公司"
    tab = page.one("nav", aria_label="Whose data").find_all("a")[1]
    assert [s.text for s in tab.find_all("span", lang="zh-Hans")] == ["示例餐饮有限公司"]


# --- In the browser: axe-core on each page, in both languages ----------------------------------


def logged_in(new_page: Any, live_server: Any, account: Any, language: str) -> Any:
    return logged_in_page(new_page, live_server, account, language=language, javascript=False)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_data_pages_pass_axe(
    live_server: Any, new_page: Any, populated: World, language: str, lang: str
) -> None:
    from yiwang.core.testing.browser import assert_accessible

    result = welfare_reads(populated)
    grant(populated)
    page = logged_in(new_page, live_server, populated.citizen, language)
    page.goto(live_server.url + "/my/data/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(f'a[href="/my/data/{result.access_log_id}/flag/"]').count() == 1
    assert_accessible(page)
    page.goto(live_server.url + "/my/data/?since=2030-01-02&until=2030-01-01")
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + f"/my/data/{result.access_log_id}/flag/")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    # Send the flag: its page while it is open, then with the department's answer.
    page.locator("main textarea").fill("I have no case at welfare")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/my/data/{result.access_log_id}/flagged/")
    assert_accessible(page)
    [flag] = flags_raised_by(actor=populated.citizen)
    close_flag(
        actor=populated.registrar_officer,
        flag_id=flag.id,
        outcome=FlagOutcome.EXPLAINED,
        note="Welfare had an open case for you.",
    )
    page.reload()
    expect(page.get_by_text("Welfare had an open case for you.")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/my/data/")
    assert page.locator(f'a[href="/my/data/{result.access_log_id}/flagged/"]').count() == 1
    assert_accessible(page)
    page.goto(live_server.url + "/my/consents/")
    assert page.locator("tbody tr").count() == 1
    assert_accessible(page)
    page.goto(live_server.url + "/my/consents/new/")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
