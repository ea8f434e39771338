"""The page shell every portal and back-office page is built on, read as HTML."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.core.context_processors import html_lang, shell_base_for, site_name_for
from yiwang.core.testing.html import Element, parse
from yiwang.portal.tests.urls import SECRET_DETAIL

pytestmark = pytest.mark.django_db

FOCUSABLE = {"a", "button", "input", "select", "textarea"}


def get(client: Client, url: str, language: str | None = None, **kwargs) -> Element:
    if language:
        client.cookies["django_language"] = language
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return parse(response.content)


def first_focusable(doc: Element) -> Element:
    body = doc.one("body")
    for element in body.iter():
        if element.tag not in FOCUSABLE or element.get("tabindex") == "-1":
            continue
        if element.tag == "a" and element.get("href") is None:
            continue
        if element.tag == "input" and element.get("type") == "hidden":
            continue
        return element
    raise AssertionError("no focusable element")


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="localhost")


# --- Language, title, landmarks -------------------------------------------------------------


def test_home_is_in_chinese_by_default(client: Client) -> None:
    doc = get(client, "/")
    assert doc.one("html").get("lang") == "zh-Hans"
    assert doc.one("h1").text == "一网通办"
    assert doc.one("title").text.endswith("一网通办")


def test_home_is_in_english_when_the_person_chose_english(client: Client) -> None:
    doc = get(client, "/", language="en")
    assert doc.one("html").get("lang") == "en"
    assert doc.one("h1").text == "One-Stop Government Services"
    assert "Apply once for a whole life event" in doc.one("main").text


def test_site_name_comes_from_settings(client: Client, settings) -> None:
    settings.YIWANG_SITE_NAME_ZH = "某市政务服务网"
    settings.YIWANG_SITE_NAME_EN = "Some City Services"
    assert get(client, "/").one("a", class_="site-header__name").text == "某市政务服务网"
    assert get(client, "/about/", language="en").one("title").text == (
        "About this site – Some City Services"
    )


@pytest.mark.parametrize("url", ["/", "/about/"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_skip_link_is_the_first_tab_stop_and_leads_to_main(
    client: Client, url: str, language: str
) -> None:
    doc = get(client, url, language=language)
    skip = first_focusable(doc)
    assert "skip-link" in skip.classes
    assert skip.get("href") == "#main-content"
    assert doc.one("main").get("id") == "main-content"


def test_page_has_one_of_each_landmark_and_a_labelled_navigation(client: Client) -> None:
    doc = get(client, "/", language="en")
    assert len(doc.find_all("header")) == 1
    assert len(doc.find_all("main")) == 1
    assert len(doc.find_all("footer")) == 1
    nav = doc.one("nav")
    assert nav.get("aria-label") == "Main"
    assert nav.one("a", aria_current="page").text == "Home"
    # Headings start at h1 and the page has exactly one.
    assert len(doc.find_all("h1")) == 1


def test_navigation_offers_personal_pages_only_to_a_logged_in_citizen(client: Client) -> None:
    from yiwang.identity.tests.factories import CitizenFactory

    links = [a.text for a in get(client, "/", language="en").one("nav").find_all("a")]
    assert links == ["Home", "Find a service", "About this site"]
    CitizenFactory(username="citizen.he", password="bamboo-lantern-55-q")
    response = client.post("/login/", {"username": "citizen.he", "password": "bamboo-lantern-55-q"})
    assert response.status_code == 302
    links = [a.text for a in get(client, "/", language="en").one("nav").find_all("a")]
    assert links == [
        "Home",
        "Find a service",
        "My applications",
        "Who used my data",
        "Messages",
        "About this site",
    ]


def test_the_back_office_link_is_not_offered_to_a_signed_in_citizen(client: Client) -> None:
    from yiwang.identity.tests.factories import CitizenFactory

    def footer_links() -> list[str | None]:
        return [a.get("href") for a in get(client, "/", language="en").one("footer").find_all("a")]

    assert "/backoffice/" in footer_links()
    CitizenFactory(username="citizen.he", password="bamboo-lantern-55-q")
    response = client.post("/login/", {"username": "citizen.he", "password": "bamboo-lantern-55-q"})
    assert response.status_code == 302
    assert "/backoffice/" not in footer_links()


def test_every_page_has_an_icon_and_favicon_ico_leads_to_it(client: Client) -> None:
    portal = get(client, "/")
    backoffice = get(client, "/backoffice/login/")
    icons = [
        [link.get("href") for link in doc.find_all("link", rel="icon")]
        for doc in (portal, backoffice)
    ]
    assert icons == [["/static/yiwang/img/favicon.svg"]] * 2

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/yiwang/img/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])


def test_about_page_explains_data_use_cookies_and_accessibility(client: Client) -> None:
    doc = get(client, "/about/", language="en")
    main = doc.one("main")
    for anchor in ("your-data", "cookies", "accessibility"):
        assert main.by_id(anchor) is not None, anchor
    cookie_names = {code.text for code in main.find_all("code")}
    assert {"sessionid", "csrftoken", "django_language"} <= cookie_names


def test_shell_names_no_particular_city(client: Client) -> None:
    for language in ("zh-hans", "en"):
        for url in ("/", "/about/"):
            html = client.get(url, HTTP_COOKIE=f"django_language={language}").content.decode()
            assert "Demo City" not in html and "演示市" not in html


# --- Language switch ------------------------------------------------------------------------


def test_language_switch_offers_the_other_language_as_a_button(client: Client) -> None:
    form = get(client, "/about/").one("form", class_="language-switch")
    assert form.get("method") == "post"
    assert form.get("action") == "/i18n/setlang/"
    assert form.one("input", name="next").get("value") == "/about/"
    assert form.one("input", name="csrfmiddlewaretoken").get("value")
    button = form.one("button", name="language")
    assert (button.get("value"), button.get("lang"), button.text) == ("en", "en", "English")
    current = form.one("span", aria_current="true")
    assert (current.get("lang"), current.text) == ("zh-Hans", "简体中文")


def test_language_switch_works_as_a_plain_form_post() -> None:
    """What a browser without JavaScript does: submit the form, follow the redirect."""
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    form = get(client, "/about/?section=1").one("form", class_="language-switch")
    data = {
        field.get("name"): field.get("value")
        for field in form.find_all("input")
        if field.get("name")
    }
    data["language"] = form.one("button", name="language").get("value")
    response = client.post(form.get("action"), data)
    assert response.status_code == 302
    assert response["Location"] == "/about/?section=1"
    assert client.cookies["django_language"].value == "en"
    doc = parse(client.get(response["Location"]).content)
    assert doc.one("html").get("lang") == "en"
    # And back again.
    form = doc.one("form", class_="language-switch")
    data = {f.get("name"): f.get("value") for f in form.find_all("input") if f.get("name")}
    data["language"] = form.one("button", name="language").get("value")
    assert data["language"] == "zh-hans"
    client.post(form.get("action"), data)
    assert parse(client.get("/about/").content).one("html").get("lang") == "zh-Hans"


# --- Log-in area and messages ----------------------------------------------------------------


def test_anonymous_visitor_sees_a_log_in_link_that_returns_to_the_page(client: Client) -> None:
    account = get(client, "/about/", language="en").one("div", class_="site-header__account")
    link = account.one("a")
    assert link.text == "Log in"
    assert link.get("href") == "/login/?next=/about/"
    assert account.find("form") is None


@pytest.mark.urls("yiwang.portal.tests.urls")
def test_messages_are_announced_as_a_status(client: Client) -> None:
    doc = get(client, "/shell-test/message/", language="en")
    region = doc.one(role="status")
    assert region.text == "Your application was sent."
    assert any(a.tag == "main" for a in region.ancestors())


# --- Error pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "lang", "title"),
    [("zh-hans", "zh-Hans", "页面不存在"), ("en", "en", "Page not found")],
)
def test_missing_page_gets_a_translated_404(
    client: Client, language: str, lang: str, title: str
) -> None:
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    doc = parse(response.content)
    assert doc.one("html").get("lang") == lang
    assert doc.one("h1").text == title
    assert "shell--portal" in doc.one("body").classes


def test_missing_back_office_page_keeps_the_back_office_shell(client: Client) -> None:
    response = client.get("/backoffice/no-such-page/")
    assert response.status_code == 404
    assert "shell--backoffice" in parse(response.content).one("body").classes


@pytest.mark.urls("yiwang.portal.tests.urls")
@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/shell-test/403/", 403, "You cannot open this page"),
        ("/shell-test/400/", 400, "Sorry, there is a problem with your request"),
    ],
)
def test_error_pages_explain_without_leaking_details(
    client: Client, url: str, status: int, title: str
) -> None:
    client.cookies["django_language"] = "en"
    response = client.get(url)
    assert response.status_code == status
    doc = parse(response.content)
    assert doc.one("h1").text == title
    assert SECRET_DETAIL not in response.content.decode()
    assert doc.one("a", class_="skip-link")


@pytest.mark.urls("yiwang.portal.tests.urls")
def test_server_error_page_is_bilingual_and_quotes_the_request_id() -> None:
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    client.cookies["django_language"] = "en"
    response = client.get("/shell-test/500/", HTTP_X_REQUEST_ID="req-12345")
    assert response.status_code == 500
    html = response.content.decode()
    assert SECRET_DETAIL not in html and "Traceback" not in html
    doc = parse(html)
    assert doc.one("html").get("lang") == "en"
    assert doc.one("h1").text == "Sorry, there is a problem with the service"
    other = doc.one("div", class_="other-language")
    assert other.get("lang") == "zh-Hans"
    assert other.one("h2").text == "抱歉，服务出现了问题"
    assert [code.text for code in doc.find_all("code")] == ["req-12345", "req-12345"]


def test_form_sent_without_a_valid_token_gets_the_expired_form_page() -> None:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    doc = parse(response.content)
    assert doc.one("h1").text == "This form has expired"
    # The page itself carries a fresh token, so the language switch on it works.
    assert doc.one("form", class_="language-switch").one("input", name="csrfmiddlewaretoken")


# --- Context helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "tag"),
    [("zh-hans", "zh-Hans"), ("en", "en"), ("zh-hant-tw", "zh-Hant-TW"), ("en-gb", "en-GB")],
)
def test_html_lang_follows_bcp_47_casing(code: str, tag: str) -> None:
    assert html_lang(code) == tag


def test_site_name_is_english_only_for_english(settings) -> None:
    settings.YIWANG_SITE_NAME_ZH, settings.YIWANG_SITE_NAME_EN = "中文名", "English name"
    assert site_name_for("en") == "English name"
    assert site_name_for("en-gb") == "English name"
    assert site_name_for("zh-hans") == "中文名"
    assert site_name_for(None) == "中文名"


def test_error_pages_under_the_back_office_use_its_shell() -> None:
    assert shell_base_for("/backoffice/anything") == "backoffice/base.html"
    assert shell_base_for("/about/") == "portal/base.html"
