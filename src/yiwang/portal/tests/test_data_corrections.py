"""The wrong registry values a person reported, on their data pages: each with the department's
decision and its note or reason — and never anyone else's reports."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from yiwang.core.testing.browser import logged_in_page
from yiwang.core.testing.html import parse
from yiwang.exchange import services
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    populated,
    signing_key,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]

LANGUAGES = ["zh-hans", "en"]
PAGE = "/my/data/corrections/"


def client_for(account: Any, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(account)
    return client


def report(w: World, field: str = "address", note: str = "We moved in May.") -> Any:
    with translation.override("en"):
        return services.request_registry_correction(
            actor=w.citizen, registry="people", subject=w.national_id, field=field, note=note
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_person_sees_each_report_with_the_decision_and_reason(
    populated: World, language: str
) -> None:
    w = populated
    rejected = report(w)
    corrected = report(w, field="person_name", note="My name is misspelt.")
    report(w, field="birth_date", note="Born a day later.")
    services.reject_registry_correction(
        actor=w.registrar_officer, correction_id=rejected.pk, reason="It matches the register."
    )
    services.mark_registry_corrected(
        actor=w.registrar_officer, correction_id=corrected.pk, note="Name corrected."
    )
    client = client_for(w.citizen, language)
    response = client.get(PAGE)
    assert response.status_code == 200
    main = parse(response.content.decode()).one("main").text
    assert "It matches the register." in main and "Name corrected." in main
    assert "We moved in May." in main and "Born a day later." in main
    # The department answers, not a named official.
    assert str(w.registrar_officer) not in main
    if language == "en":
        assert "Not corrected" in main and "Corrected" in main
        assert "The department is checking its record." in main
        assert "Registrar" in main
    else:
        assert "未予更正" in main and "已更正" in main and "待处理" in main
        assert "登记局" in main
    # The data pages link to it.
    assert PAGE in client.get("/my/data/").content.decode()


def test_a_person_sees_only_their_own_reports(populated: World) -> None:
    w = populated
    report(w)
    other = client_for(w.other_citizen).get(PAGE).content.decode()
    assert "We moved in May." not in other
    assert "You have not reported any wrong values." in other
    assert Client(HTTP_HOST="localhost").get(PAGE).status_code == 302


# --- In the browser: axe-core, in both languages ----------------------------------------------


def logged_in(new_page: Any, live_server: Any, account: Any, language: str) -> Any:
    return logged_in_page(new_page, live_server, account, language=language, javascript=False)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_reports_page_passes_axe(
    live_server: Any, new_page: Any, populated: World, language: str, lang: str
) -> None:
    from yiwang.core.testing.browser import assert_accessible

    w = populated
    report(w, field="birth_date", note="Born a day later.")
    rejected = report(w)
    services.reject_registry_correction(
        actor=w.registrar_officer, correction_id=rejected.pk, reason="It matches the register."
    )
    page = logged_in(new_page, live_server, w.citizen, language)
    page.goto(live_server.url + PAGE)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("main li").count() == 2
    assert_accessible(page)
