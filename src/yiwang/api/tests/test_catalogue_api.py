"""The public catalogue: anybody may list, search and read published services and bundles."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.api.tests import world as w

pytestmark = pytest.mark.django_db


def test_lists_published_services_without_logging_in(world: w.World) -> None:
    response = Client().get("/api/v1/catalogue/services")

    assert response.status_code == 200
    body = response.json()
    assert [s["code"] for s in body["items"]] == ["shop-permit", "sign-permit"]
    assert body["count"] == 2 and body["next_offset"] is None
    shop = body["items"][0]
    assert shop["name"] == {"zh": "小店经营许可", "en": "Small shop permit"}
    assert shop["department"] == "bo-licensing"
    assert shop["time_limits"] == {"statutory_days": 20, "promised_days": 5}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sign", ["sign-permit"]),
        ("小店", ["shop-permit"]),
        ("small SHOP", ["shop-permit"]),
        ("shop permit", ["shop-permit", "sign-permit"]),
        ("nothing-like-this", []),
    ],
)
def test_search_matches_code_and_either_language(
    world: w.World, query: str, expected: list[str]
) -> None:
    response = Client().get("/api/v1/catalogue/services", {"q": query})

    assert [s["code"] for s in response.json()["items"]] == expected


def test_filters_services_by_department_and_pages_through_them(world: w.World) -> None:
    by_department = Client().get("/api/v1/catalogue/services", {"department": "bo-streets"})
    first = Client().get("/api/v1/catalogue/services", {"limit": 1}).json()
    second = Client().get("/api/v1/catalogue/services", {"limit": 1, "offset": 1}).json()

    assert [s["code"] for s in by_department.json()["items"]] == ["sign-permit"]
    assert [s["code"] for s in first["items"]] == ["shop-permit"]
    assert first["next_offset"] == 1 and first["count"] == 2
    assert [s["code"] for s in second["items"]] == ["sign-permit"]
    assert second["next_offset"] is None


@pytest.mark.parametrize("path", ["/api/v1/catalogue/services", "/api/v1/catalogue/bundles"])
@pytest.mark.parametrize("offset", ["3154592908473113354698752", "1000001", "-1"])
def test_an_offset_out_of_range_is_refused_not_a_server_error(
    world: w.World, path: str, offset: str
) -> None:
    response = Client().get(path, {"offset": offset}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_service_detail_has_form_materials_and_steps(world: w.World) -> None:
    response = Client().get("/api/v1/catalogue/services/shop-permit")

    assert response.status_code == 200
    detail = response.json()
    assert [p["id"] for p in detail["form"]["pages"]] == ["shop", "contact"]
    assert detail["form"]["required"] == ["shop_name", "floor_area"]
    assert detail["form"]["properties"]["floor_area"]["type"] == "integer"
    assert [m["code"] for m in detail["materials"]] == ["site-plan"]
    assert detail["materials"][0]["file_types"] == [
        {"extension": ".pdf", "mime_type": "application/pdf"}
    ]
    assert [(s["id"], s["after"]) for s in detail["stages"]] == [
        ("review", []),
        ("decision", ["review"]),
    ]
    assert detail["legal_basis"][0]["citation"]["en"] == "Demo City Small Shops Rules"


def test_bundle_list_and_detail(world: w.World) -> None:
    listed = Client().get("/api/v1/catalogue/bundles").json()
    detail = Client().get("/api/v1/catalogue/bundles/open-a-corner-shop").json()

    assert [b["code"] for b in listed["items"]] == ["open-a-corner-shop"]
    assert listed["items"][0]["services"] == ["shop-permit", "sign-permit"]
    assert listed["items"][0]["life_event"]["code"] == "start-a-shop"
    assert [(s["code"], s["condition"]) for s in detail["services"]] == [
        ("shop-permit", None),
        ("sign-permit", "form.floor_area > 50"),
    ]
    assert set(detail["form"]["properties"]) == {"shop_name", "floor_area", "phone", "sign_text"}


@pytest.mark.parametrize(
    "path", ["/api/v1/catalogue/services/no-such-thing", "/api/v1/catalogue/bundles/no-such-thing"]
)
def test_unknown_codes_are_not_found_in_the_error_format(world: w.World, path: str) -> None:
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_retired_or_draft_service_is_not_shown(world: w.World) -> None:
    from yiwang.catalogue.services import retire_definition

    retire_definition(actor=w.PLATFORM, code="open-a-corner-shop")
    retire_definition(actor=w.PLATFORM, code="sign-permit")

    listed = Client().get("/api/v1/catalogue/services").json()
    detail = Client().get("/api/v1/catalogue/services/sign-permit")

    assert [s["code"] for s in listed["items"]] == ["shop-permit"]
    assert detail.status_code == 404


def test_the_form_tells_which_fields_are_needed_only_for_some_answers() -> None:
    from yiwang.catalogue.api import _form

    post = {"properties": {"delivery": {"const": "post"}}, "required": ["delivery"]}
    schema = {
        "properties": {},
        "required": ["delivery"],
        "dependentRequired": {"postcode": ["address"]},
        "if": post,
        "then": {"required": ["address"]},
        "allOf": [
            {"dependentRequired": {"postcode": ["city"]}},
            {"if": {"required": ["pet"]}, "then": {"required": ["pet_name"]}},
        ],
    }
    form = _form(schema, [])
    assert form["dependent_required"] == {"postcode": ["address", "city"]}
    assert form["rules"] == [
        {"if": post, "then": {"required": ["address"]}},
        {"if": {"required": ["pet"]}, "then": {"required": ["pet_name"]}},
    ]


def test_service_detail_lists_no_rules_when_there_are_none(world: w.World) -> None:
    form = Client().get("/api/v1/catalogue/services/shop-permit").json()["form"]
    assert (form["dependent_required"], form["rules"]) == ({}, [])


def _load_bundle_with_rules() -> None:
    from yiwang.catalogue.services import load_definitions

    paths = sorted((w.DEFINITIONS / "with-rules").glob("*.yaml"))
    load_definitions(paths, actor=w.PLATFORM, publish=True)


POSTED = {"required": ["card_delivery"], "properties": {"card_delivery": {"const": "post"}}}


def test_a_bundle_form_gives_each_services_rules_in_the_merged_forms_names(
    world: w.World,
) -> None:
    _load_bundle_with_rules()

    form = Client().get("/api/v1/catalogue/bundles/card-and-insurance").json()["form"]

    assert form["service_rules"] == [
        {
            "service": "card-request",
            "condition": None,
            "required": ["applicant_name", "card_delivery"],
            "dependent_required": {},
            "rules": [{"if": POSTED, "then": {"required": ["postal_address"]}}],
        },
        {
            "service": "staff-insurance",
            "condition": "form.hires_staff",
            # applicant_name is shared with the card request: one field, one name.
            "required": ["applicant_name", "staff_count"],
            "dependent_required": {"hr_contact": ["hr_phone"]},
            "rules": [
                {
                    # The service's own definition ($defs) written out: the bundle has none.
                    "if": {
                        "required": ["staff_count"],
                        "properties": {"staff_count": {"minimum": 10}},
                    },
                    "then": {"required": ["hr_contact"]},
                },
                {"if": POSTED, "then": {"required": ["postal_address"]}},
            ],
        },
    ]
    # Every field a rule names is a field of the one form: the shared ones asked once.
    named = {"card_delivery", "postal_address", "staff_count", "hr_contact", "hr_phone"}
    assert named <= set(form["properties"])
    assert [f for p in form["pages"] for f in p["fields"]].count("postal_address") == 1
    # Only the rules of a service that always applies would do for the whole form; none are
    # given there, so a client cannot apply a conditional service's rules by mistake.
    assert (form["dependent_required"], form["rules"]) == ({}, [])
    assert form["required"] == ["applicant_name", "card_delivery"]


def test_a_conditional_services_required_fields_come_with_its_condition(world: w.World) -> None:
    form = Client().get("/api/v1/catalogue/bundles/open-a-corner-shop").json()["form"]

    # The sign permit applies only to a bigger shop, and then its form requires sign_text.
    assert "sign_text" not in form["required"]
    assert form["service_rules"] == [
        {
            "service": "shop-permit",
            "condition": None,
            "required": ["shop_name", "floor_area"],
            "dependent_required": {},
            "rules": [],
        },
        {
            "service": "sign-permit",
            "condition": "form.floor_area > 50",
            "required": ["sign_text"],
            "dependent_required": {},
            "rules": [],
        },
    ]
    # What every application needs is what the services that always apply require.
    always = [f for r in form["service_rules"] if r["condition"] is None for f in r["required"]]
    assert form["required"] == always


def test_a_bundle_material_says_when_it_is_needed(world: w.World) -> None:
    _load_bundle_with_rules()

    materials = Client().get("/api/v1/catalogue/bundles/card-and-insurance").json()["materials"]

    assert {m["code"]: m["condition"] for m in materials} == {
        # The card request always asks for it, whoever else does.
        "photo": None,
        # The card request asks for it for a posted card; the insurance registration always
        # does, when it applies.
        "proof-of-address": '(form.card_delivery == "post") || (form.hires_staff)',
        # The material's own condition, inside a service that applies only to employers.
        "staff-list": "(form.hires_staff) && (form.staff_count > 10)",
    }
    # Optional only when every service that asks for it says so.
    assert {m["code"]: m["optional"] for m in materials} == {
        "photo": False,
        "proof-of-address": False,
        "staff-list": False,
    }


def test_an_unconditional_material_of_a_bundle_has_no_condition(world: w.World) -> None:
    materials = Client().get("/api/v1/catalogue/bundles/open-a-corner-shop").json()["materials"]
    assert [(m["code"], m["condition"]) for m in materials] == [("site-plan", None)]


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"card_delivery": "collect"},
        {"card_delivery": "post"},
        {"card_delivery": "collect", "hires_staff": False, "staff_count": 12},
        {"card_delivery": "collect", "hires_staff": True},
        {"card_delivery": "collect", "hires_staff": True, "staff_count": 10},
        {"card_delivery": "post", "hires_staff": True, "staff_count": 11},
        {"hires_staff": True, "staff_count": 11.0},
    ],
)
def test_a_bundle_materials_condition_agrees_with_what_an_application_is_asked_for(
    world: w.World, answers: dict[str, object]
) -> None:
    from yiwang.catalogue import domain, selectors

    _load_bundle_with_rules()
    body = Client().get("/api/v1/catalogue/bundles/card-and-insurance").json()
    _version, _services, merged = selectors.published_bundle_form("card-and-insurance")

    # A client evaluates the published condition over the bundle's form, as the platform does.
    schema = {"type": "object", "properties": body["form"]["properties"]}
    published = [
        m["code"]
        for m in body["materials"]
        if domain.condition_holds(m["condition"], answers, schema)
    ]
    assert published == [m.code for m, _optional in merged.materials_needed(answers)]


def test_a_service_form_comes_with_its_own_definitions_written_out(world: w.World) -> None:
    _load_bundle_with_rules()

    form = Client().get("/api/v1/catalogue/services/staff-insurance").json()["form"]

    assert form["properties"]["hr_phone"] == {
        "type": "string",
        "maxLength": 20,
        "x-title": {"zh": "人事电话", "en": "HR phone"},
    }
    assert form["rules"][0]["if"]["properties"] == {"staff_count": {"minimum": 10}}
    assert "$ref" not in str(form)
