"""The public catalogue: browsing, searching in Chinese and English, and what a service page tells a
person before they start (一次告知)."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.core.testing.html import Element
from yiwang.portal.tests.service_world import _media, client_for, html, world

pytestmark = pytest.mark.django_db
__all__ = ["_media", "world"]


def result_names(doc: Element) -> list[str]:
    return [h.text for h in doc.one("main").find_all("h3")]


def search(query: str = "", language: str = "en", **filters: str) -> Element:
    return html(client_for(language=language).get("/catalogue/search/", {"q": query, **filters}))


def test_catalogue_groups_bundles_by_life_event_and_lists_departments(world: Any) -> None:
    doc = html(client_for().get("/catalogue/"))
    main = doc.one("main")
    assert main.one("h1").text == "Find a service"
    life_events = main.one("section", aria_labelledby="life-events-title")
    assert life_events.one("h3").text == "Moving house"
    assert life_events.one("a").get("href") == "/bundles/move-house/"
    departments = main.one("section", aria_labelledby="departments-title")
    assert [a.text for a in departments.find_all("a")] == [
        "City Management Bureau",
        "Education Bureau",
        "Public Security Bureau",
    ]
    search_form = main.one("form", role="search")
    assert search_form.get("method") == "get"
    assert main.one("label", for_="id_q").text == "Search for a service"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("户籍", ["Move house", "Change of registered address"]),
        ("转学", ["Move house", "School transfer"]),
        ("义务教育", ["School transfer"]),
        ("搬家", ["Move house", "Change of registered address"]),  # bundle and description
        ("SCHOOL", ["Move house", "School transfer"]),  # any case; the bundle mentions schools
        ("building waste", ["Building waste permit"]),  # every word must match
        ("registered address", ["Move house", "Change of registered address"]),
        ("building school", []),
    ],
)
def test_search_matches_names_and_descriptions_in_both_languages(
    world: Any, query: str, expected: list[str]
) -> None:
    doc = search(query)
    assert result_names(doc) == expected
    status = doc.one("main").one("p", role="status").text
    assert status == (f"{len(expected)} result" + ("" if len(expected) == 1 else "s"))


def test_search_in_chinese_shows_chinese_names(world: Any) -> None:
    doc = search("waste", language="zh-hans")
    assert doc.one("html").get("lang") == "zh-Hans"
    assert result_names(doc) == ["建筑垃圾处置核准"]


def test_browse_by_department_and_by_who_applies(world: Any) -> None:
    assert result_names(search(department="education")) == ["School transfer"]
    assert result_names(search(audience="firm")) == ["Building waste permit"]
    people = result_names(search(audience="person"))
    assert people == [
        "Move house",
        "Change of registered address",
        "School transfer",
        "Building waste permit",
    ]
    # Unknown filters are ignored rather than failing.
    assert len(result_names(search(department="nowhere", audience="aliens"))) == 4


def test_nothing_found_says_what_to_try(world: Any) -> None:
    main = search("passport").one("main")
    assert main.one("h2").text == "Nothing found"


def test_a_search_too_long_to_use_whole_says_what_was_searched(world: Any) -> None:
    long_word = "licence" + "x" * 60
    shortened = search(f"shop {long_word}")
    whole = search("  shop   licence ")

    assert "Only the first 8 words were searched for" in shortened.one("main").text
    assert shortened.one("input", id="id_q").attrs["maxlength"] == "200"
    assert "Only the first" not in whole.one("main").text


def test_service_page_tells_everything_before_starting(world: Any) -> None:
    main = html(client_for().get("/services/address-change/")).one("main")
    text = main.text
    assert main.one("h1").text == "Change of registered address"
    assert "We promise a decision within 3 working days. The law allows up to 20 working days." in (
        text
    )
    assert "Free of charge" in text
    assert "Fully online" in text
    need = main.one("section", aria_labelledby="need-title")
    assert [h.text for h in need.find_all("h3")] == [
        "Proof of address",
        "Children's birth certificates",
    ]
    assert "Always needed." in need.text
    assert (
        "needed only if the answer to “Are school-age children moving with you?” is yes"
        in need.text
    )
    assert "As a file: PDF, PNG, up to 5 MB." in need.text
    steps = main.one("section", aria_labelledby="steps-title")
    assert "Check the documents: Public Security Bureau, within 2 working days" in steps.text
    law = main.one("section", aria_labelledby="law-title").one("a")
    assert law.get("href") == "https://example.org/law/household-registration"
    assert "Confirmation of the new registered address (Registration)" in text
    known = main.one("section", aria_labelledby="known-title")
    assert "1 answer or document can be taken from official records" in known.text
    start = main.one("form", action="/services/address-change/start/")
    assert start.get("method") == "post"


def test_service_without_prefill_has_no_known_section_and_shows_fee(world: Any) -> None:
    main = html(client_for().get("/services/waste-permit/")).one("main")
    assert main.find("section", aria_labelledby="known-title") is None
    assert "CNY 12.50. Charged by the tonne" in main.text
    assert "You can start online, but you will need to go to an office." in main.text
    assert "No documents are needed." in main.text


def test_bundle_page_lists_services_and_each_document_once(world: Any) -> None:
    main = html(client_for().get("/bundles/move-house/")).one("main")
    rows = main.one("table").one("tbody").find_all("tr")
    assert [r.one("th").one("a").text for r in rows] == [
        "Change of registered address",
        "School transfer",
    ]
    assert "Only if the answer to “Are school-age children moving with you?” is yes" in rows[1].text
    need = main.one("section", aria_labelledby="need-title")
    assert [h.text for h in need.find_all("h3")] == [
        "Proof of address",
        "Children's birth certificates",
    ]
    # Asked for by both services, always, in the one type both accept.
    proof = need.find_all("li")[0]
    assert "Always needed." in proof.text
    assert "Change of registered address, School transfer" in proof.text
    assert "As a file: PDF, up to 5 MB." in proof.text


def test_unknown_or_unpublished_service_is_404(world: Any) -> None:
    client = client_for()
    assert client.get("/services/no-such-service/").status_code == 404
    assert client.get("/bundles/address-change/").status_code == 404


@pytest.mark.parametrize(
    ("language", "lang", "name"),
    [("zh-hans", "zh-Hans", "户籍地址变更"), ("en", "en", "Change of registered address")],
)
def test_service_page_speaks_the_persons_language(
    world: Any, language: str, lang: str, name: str
) -> None:
    from django.utils import translation

    with translation.override(language):
        heading = translation.gettext("What you will need")
        fee = translation.gettext("Free of charge")
    if language != "en":
        assert heading != "What you will need", "the Chinese catalogue lacks the page's strings"
    doc = html(client_for(language=language).get("/services/address-change/"))
    assert doc.one("html").get("lang") == lang
    assert doc.one("h1").text == name
    assert doc.one("title").text.startswith(name)
    assert heading in [h.text for h in doc.find_all("h2")]
    assert fee in doc.one("main").text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "url",
    ["/catalogue/", "/catalogue/search/?q=x", "/bundles/move-house/", "/services/waste-permit/"],
)
def test_catalogue_pages_render_in_both_languages(world: Any, url: str, language: str) -> None:
    doc = html(client_for(language=language).get(url))
    assert doc.one("html").get("lang") == ("en" if language == "en" else "zh-Hans")
    assert len(doc.find_all("h1")) == 1
