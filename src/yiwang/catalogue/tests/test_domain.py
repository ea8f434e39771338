"""Pure functions over definitions: bundles' merged forms, stages, what applies to a form."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from yiwang.catalogue import domain
from yiwang.catalogue.tests.conftest import read_fixture

BUNDLE_SERVICES = ("business-registration", "employer-social-insurance", "outdoor-sign-permit")


def _services() -> dict[str, dict[str, Any]]:
    return {code: read_fixture(f"{code}.yaml") for code in BUNDLE_SERVICES}


def _merged() -> domain.BundleForm:
    return domain.merge_bundle(read_fixture("open-a-shop.yaml"), _services())


def test_shared_fields_are_asked_once() -> None:
    form = _merged()
    names = list(form.fields)
    assert names.count("business_name") == 1
    assert form.fields["business_name"].services == BUNDLE_SERVICES
    assert form.fields["premises_address"].services == BUNDLE_SERVICES
    placed = [f for page in form.pages for f in page.fields]
    assert sorted(placed) == sorted(names)  # every field on exactly one page
    assert len(placed) == len(set(placed))
    # The sign permit's first page only held shared fields, so it disappears.
    assert [p.id for p in form.pages] == [
        "business-registration.business",
        "business-registration.operator",
        "employer-social-insurance.employer",
        "outdoor-sign-permit.sign",
    ]
    assert form.pages[2].fields == ("staff_count",)


def test_merged_field_satisfies_every_service() -> None:
    schema = _merged().schema()
    business_name = schema["properties"]["business_name"]
    # 60 characters from business registration, 100 from the others: the merged field keeps both.
    validator = Draft202012Validator(business_name)
    assert validator.is_valid("a" * 60)
    assert not validator.is_valid("a" * 61)
    assert not validator.is_valid("a")  # minLength 2 of business registration
    Draft202012Validator.check_schema(schema)


def test_required_fields_follow_the_services_that_apply() -> None:
    form = _merged()
    schema = form.schema()
    assert "staff_count" not in schema["required"]  # only the conditional service needs it
    assert "business_name" in schema["required"]
    assert form.services_applying({"hires_staff": False}) == [
        "business-registration",
        "outdoor-sign-permit",
    ]
    assert "staff_count" not in form.required_fields({"hires_staff": False})
    assert "staff_count" in form.required_fields({"hires_staff": True})
    assert form.services_applying({}) == ["business-registration", "outdoor-sign-permit"]


def test_shared_material_is_asked_once_with_common_file_types() -> None:
    form = _merged()
    proof = next(m for m in form.materials if m.code == "premises-proof")
    assert proof.services == BUNDLE_SERVICES
    assert [t["extension"] for t in proof.file_types] == [".pdf"]  # the only type all accept
    assert proof.max_size_mb == 10
    assert [m.code for m in form.materials].count("premises-proof") == 1


def test_materials_needed_depend_on_form_data() -> None:
    form = _merged()
    small = {
        "hires_staff": False,
        "width_m": 2.0,
        "height_m": 1.0,
        "mounting": "wall",
        "illuminated": False,
    }
    assert [m.code for m, _ in form.materials_needed(small)] == ["premises-proof", "design-drawing"]
    big = {
        **small,
        "hires_staff": True,
        "staff_count": 12,
        "width_m": 5,
        "height_m": 3,
        "illuminated": True,
    }
    codes = [m.code for m, optional in form.materials_needed(big)]
    assert codes == [
        "premises-proof",
        "staff-list",
        "design-drawing",
        "structural-report",
        "electrical-safety",
    ]


def test_incompatible_fields_are_all_reported() -> None:
    services = _services()
    services["employer-social-insurance"]["form"]["properties"]["staff_count"]["type"] = "string"
    services["outdoor-sign-permit"]["form"]["properties"]["staff_count"] = {
        "type": "integer",
        "x-title": {"zh": "人数", "en": "Staff"},
    }
    services["outdoor-sign-permit"]["form"]["properties"]["premises_address"]["format"] = "uri"
    with pytest.raises(domain.MergeConflictError) as info:
        domain.merge_bundle(read_fixture("open-a-shop.yaml"), services)
    reasons = sorted(c.reason for c in info.value.conflicts)
    assert reasons == [
        "field 'premises_address': the field has format none in one and \"uri\" in the other",
        'field \'staff_count\': the field has type "string" in one and "integer" in the other',
    ]


def test_nested_and_list_fields_are_compared_deeply() -> None:
    a = {"type": "array", "items": {"type": "object", "properties": {"size": {"type": "number"}}}}
    b = {"type": "array", "items": {"type": "object", "properties": {"size": {"type": "integer"}}}}
    assert domain.field_difference(a, b) == (
        'the items of the field.size has type "number" in one and "integer" in the other'
    )
    assert domain.field_difference(a, a) is None
    enum_a = {"type": "string", "enum": ["x", "y"]}
    assert domain.field_difference(enum_a, {"type": "string", "enum": ["y", "x"]}) is None


def test_stage_order_defaults_to_list_order_and_follows_after() -> None:
    definition = {
        "process": {
            "stages": [
                {"id": "a", "steps": [{"promised_days": 2}]},
                {"id": "b", "steps": [{"promised_days": 1}, {"promised_days": 4}]},
                {"id": "c", "after": ["a"], "steps": [{"promised_days": 3}]},
                {"id": "d", "after": ["b", "c"], "steps": [{"promised_days": 1}]},
                {"id": "e", "after": [], "steps": [{"promised_days": 1}]},
            ]
        }
    }
    assert domain.stage_predecessors(definition) == {
        "a": (),
        "b": ("a",),
        "c": ("a",),
        "d": ("b", "c"),
        "e": (),
    }
    assert domain.stage_layers(definition) == [["a", "e"], ["b", "c"], ["d"]]
    assert domain.longest_chain(definition) == (7, ["a", "b", "d"])


def test_cycle_is_found() -> None:
    assert domain.find_cycle({"a": ("c",), "b": ("a",), "c": ("b",)}) == ["a", "b", "c", "a"]
    assert domain.find_cycle({"a": (), "b": ("a",)}) is None
    with pytest.raises(ValueError, match="circle"):
        domain.stage_layers(
            {
                "process": {
                    "stages": [{"id": "a", "after": ["b"], "steps": []}, {"id": "b", "steps": []}]
                }
            }
        )


def test_steps_applying_follow_conditions() -> None:
    sign = read_fixture("outdoor-sign-permit.yaml")
    small = {"width_m": 2, "height_m": 1, "mounting": "wall", "illuminated": False}
    review, decision = domain.steps_applying(sign, small)
    assert [s["code"] for s in review[1]] == ["appearance-review"]
    assert [s["code"] for s in decision[1]] == ["decide"]
    roof = {**small, "mounting": "roof"}
    assert [s["code"] for s in domain.steps_applying(sign, roof)[0][1]] == [
        "appearance-review",
        "structural-review",
    ]


def test_materials_needed_for_one_service() -> None:
    permit = read_fixture("residence-permit-renewal.yaml")
    needed = domain.materials_needed(permit, {"residence_basis": "study"})
    assert [(n.material["code"], n.optional) for n in needed] == [
        ("photo", False),
        ("old-permit", False),
        ("study-proof", False),
        ("tenancy-contract", True),
    ]


def test_numbers_reach_conditions_with_their_declared_type() -> None:
    schema = {
        "type": "object",
        "properties": {"area": {"type": "number"}, "count": {"type": "integer"}},
    }
    # 300 arrives from JSON as an int; the number field makes it 300.0 so 300.0 * 2.0 works.
    assert domain.condition_holds("form.area * 2.0 > 500.0", {"area": 300}, schema)
    assert domain.condition_holds("form.count + 1 == 4", {"count": 3.0}, schema)
    assert not domain.condition_holds("form.area > 1.0", {"area": None}, schema)


@pytest.mark.parametrize(
    ("answers", "seen"),
    [
        ({"area": "lots", "count": 2}, {"count": 2}),
        ({"area": 3, "count": 2.5}, {"area": 3.0}),
        ({"count": True, "open": "yes", "name": 7}, {}),
        ({"open": False, "name": "Li", "tags": ["a", 1]}, {"open": False, "name": "Li"}),
        ({"tags": ["a", "b"], "address": "here"}, {"tags": ["a", "b"]}),
        ({"address": {"city": "Demo", "zip": 100}}, {"address": {"city": "Demo"}}),
    ],
)
def test_an_answer_not_of_its_fields_type_is_absent_to_conditions(
    answers: dict[str, Any], seen: dict[str, Any]
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "area": {"type": "number"},
            "count": {"type": "integer"},
            "open": {"type": "boolean"},
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "address": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
            },
        },
    }
    assert domain.typed_form_data(schema, answers) == seen
    # So a condition reading it is false, as for an empty answer, instead of failing.
    assert not domain.condition_holds("form.area > 1.0 && form.count > 0", {"area": "x"}, schema)


def test_content_hash_ignores_key_order() -> None:
    assert domain.content_hash({"a": 1, "b": [1, 2]}) == domain.content_hash({"b": [1, 2], "a": 1})
    assert domain.content_hash({"a": 1}) != domain.content_hash({"a": 2})


def test_form_format_checker_checks_identifiers() -> None:
    checker = domain.form_format_checker()
    schema = {"type": "string", "format": "national-id"}
    validator = Draft202012Validator(schema, format_checker=checker)
    assert validator.is_valid("11010519491231002X")
    assert not validator.is_valid("11010519491231002Y")
    mobile = Draft202012Validator({"format": "cn-mobile"}, format_checker=checker)
    assert mobile.is_valid("13800138000") and not mobile.is_valid("1380013800")


def test_form_format_checker_reads_identifiers_and_accounts_as_people_type_them() -> None:
    checker = domain.form_format_checker()

    def valid(fmt: str, value: str) -> bool:
        return Draft202012Validator({"format": fmt}, format_checker=checker).is_valid(value)

    assert valid("national-id", "110105 19491231 002x")
    assert valid("national-id", "１１０１０５１９４９１２３１００２Ｘ")
    assert valid("uscc", "91350100\u3000m000100y43")
    assert valid("bank-account", "6222 0000 1111 2222")
    assert not valid("bank-account", "6222 0000 111")  # 11 digits
    assert not valid("bank-account", "6222-0000-1111-2222")


def test_answers_are_stored_in_the_form_their_format_asks_for() -> None:
    group = {
        "type": "object",
        "properties": {"id_number": {"type": "string", "format": "national-id"}},
    }
    staff = {"type": "array", "items": group}
    assert domain.normalise_answer(
        {"type": "string", "format": "national-id"}, "110105\u00a019491231\u3000002x"
    ) == ("11010519491231002X")
    assert domain.normalise_answer({"format": "uscc"}, " 91350100m000100y43") == (
        "91350100M000100Y43"
    )
    assert domain.normalise_answer({"format": "bank-account"}, "6222 0000 1111 2222") == (
        "6222000011112222"
    )
    assert domain.normalise_answer(staff, [{"id_number": "11010519491231002x"}]) == [
        {"id_number": "11010519491231002X"}
    ]
    # A wrong number stays as typed, so the person sees what they wrote beside the message.
    assert domain.normalise_answer({"format": "national-id"}, "1101 05") == "1101 05"
    assert domain.normalise_answer({"type": "string"}, " as typed ") == " as typed "


POSTED = {
    "type": "object",
    "required": ["delivery"],
    "properties": {
        "delivery": {"type": "string", "enum": ["counter", "post"]},
        "postal_address": {"type": "string"},
        "postcode": {"type": "string"},
        "employer": {"type": "string"},
        "employer_phone": {"type": "string"},
        "basis": {"type": "string", "enum": ["work", "study"]},
        "school": {"type": "string"},
    },
}


@pytest.mark.parametrize(
    ("rules", "answers", "required"),
    [
        # if/then: required only when the if holds.
        (
            {
                "if": {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}},
                "then": {"required": ["postal_address", "postcode"]},
            },
            {"delivery": "post"},
            ["postal_address", "postcode"],
        ),
        (
            {
                "if": {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}},
                "then": {"required": ["postal_address"]},
            },
            {"delivery": "counter"},
            [],
        ),
        # An if without required also holds when the field is left empty (standard JSON Schema).
        (
            {
                "if": {"properties": {"delivery": {"const": "post"}}},
                "then": {"required": ["postal_address"]},
            },
            {"delivery": ""},
            ["postal_address"],
        ),
        # else
        (
            {
                "if": {"required": ["basis"], "properties": {"basis": {"const": "work"}}},
                "then": {"required": ["employer"]},
                "else": {"required": ["school"]},
            },
            {"basis": "study"},
            ["school"],
        ),
        # dependentRequired: answering one field requires others; a blank answer is no answer.
        (
            {"dependentRequired": {"employer": ["employer_phone"]}},
            {"employer": "Plum Ltd"},
            ["employer_phone"],
        ),
        ({"dependentRequired": {"employer": ["employer_phone"]}}, {"employer": " "}, []),
        ({"dependentRequired": {"employer": ["employer_phone"]}}, {"employer": None}, []),
        # allOf of several rules: each applies on its own.
        (
            {
                "allOf": [
                    {
                        "if": {
                            "required": ["delivery"],
                            "properties": {"delivery": {"const": "post"}},
                        },
                        "then": {"required": ["postal_address"]},
                    },
                    {
                        "if": {"required": ["basis"], "properties": {"basis": {"const": "work"}}},
                        "then": {"required": ["employer"]},
                    },
                ]
            },
            {"delivery": "post", "basis": "work"},
            ["postal_address", "employer"],
        ),
    ],
)
def test_fields_can_be_required_only_when_another_answer_is_given(
    rules: dict[str, Any], answers: dict[str, Any], required: list[str]
) -> None:
    form = {**POSTED, **rules}
    assert domain.conditionally_required(form, answers) == required


def test_the_fields_rules_read_decide_the_shape_of_a_case() -> None:
    form = {
        **POSTED,
        "dependentRequired": {"employer": ["employer_phone"]},
        "allOf": [
            {
                "if": {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}},
                "then": {"required": ["postal_address"]},
            }
        ],
    }
    assert domain.rule_fields(form) == ["employer", "delivery"]


def test_a_bundle_requires_what_a_services_rules_require_only_when_the_service_applies() -> None:
    services = _services()
    insurance = services["employer-social-insurance"]["form"]
    insurance["properties"]["hr_phone"] = {"type": "string", "x-title": {"zh": "电话", "en": "HR"}}
    insurance["pages"][0]["fields"].append("hr_phone")
    insurance["if"] = {"required": ["staff_count"], "properties": {"staff_count": {"minimum": 10}}}
    insurance["then"] = {"required": ["hr_phone"]}
    form = domain.merge_bundle(read_fixture("open-a-shop.yaml"), services)
    assert "hr_phone" in form.required_fields({"hires_staff": True, "staff_count": 12})
    assert "hr_phone" not in form.required_fields({"hires_staff": True, "staff_count": 3})
    # The insurance registration does not apply, so neither do its rules.
    assert "hr_phone" not in form.required_fields({"hires_staff": False, "staff_count": 12})
    assert "hr_phone" not in form.schema()["required"]


def test_a_forms_rules_are_gathered_from_the_form_and_its_all_of_at_any_depth() -> None:
    posted = {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}}
    # A branch keeps the rules inside it: they apply only when the branch does.
    then = {"required": ["postal_address"], "dependentRequired": {"postal_address": ["postcode"]}}
    working = {"if": {"required": ["basis"], "properties": {"basis": {"const": "work"}}}}
    form = {
        **POSTED,
        "$defs": {"posted": {"const": "post"}},
        "dependentRequired": {"employer": ["employer_phone"]},
        "if": {"required": ["delivery"], "properties": {"delivery": {"$ref": "#/$defs/posted"}}},
        "then": then,
        "allOf": [
            {"dependentRequired": {"employer": ["employer_phone", "basis"]}},
            {"allOf": [{**working, "then": {"required": ["employer"]}, "else": {"required": []}}]},
        ],
    }

    rules = domain.form_rules(form)

    assert rules.dependent_required == {"employer": ["employer_phone", "basis"]}
    assert rules.rules == [
        {"if": posted, "then": then},
        {**working, "then": {"required": ["employer"]}, "else": {"required": []}},
    ]
    assert domain.form_rules(POSTED) == domain.FormRules({}, [])


def test_a_bundle_gives_each_services_rules_with_the_condition_it_applies_under() -> None:
    services = _services()
    insurance = services["employer-social-insurance"]["form"]
    insurance["properties"]["hr_phone"] = {"type": "string", "x-title": {"zh": "电话", "en": "HR"}}
    insurance["pages"][0]["fields"].append("hr_phone")
    many = {"required": ["staff_count"], "properties": {"staff_count": {"minimum": 10}}}
    insurance["allOf"] = [{"if": many, "then": {"required": ["hr_phone"]}}]
    # business_name is shared with the business registration: one field, one name.
    insurance["dependentRequired"] = {"business_name": ["premises_address"]}

    form = domain.merge_bundle(read_fixture("open-a-shop.yaml"), services)

    found = form.service_rules()
    assert [r.service for r in found] == list(BUNDLE_SERVICES)
    assert found[1] == domain.ServiceRules(
        service="employer-social-insurance",
        condition="form.hires_staff",
        required=["business_name", "premises_address", "staff_count"],
        dependent_required={"business_name": ["premises_address"]},
        rules=[{"if": many, "then": {"required": ["hr_phone"]}}],
    )
    assert {"business_name", "premises_address", "staff_count", "hr_phone"} <= set(form.fields)


def test_a_bundle_gives_the_fields_each_service_requires_with_its_condition() -> None:
    form = _merged()

    found = [(r.service, r.condition, r.required) for r in form.service_rules()]

    assert found == [
        (
            "business-registration",
            None,
            ["business_name", "premises_address", "operator_id", "business_scope", "hires_staff"],
        ),
        (
            "employer-social-insurance",
            "form.hires_staff",
            ["business_name", "premises_address", "staff_count"],
        ),
        (
            "outdoor-sign-permit",
            None,
            [
                "business_name",
                "premises_address",
                "sign_text",
                "width_m",
                "height_m",
                "mounting",
                "illuminated",
            ],
        ),
    ]
    # Together they require what required_fields does, whichever services apply.
    for answers in ({"hires_staff": False}, {"hires_staff": True}):
        applying = form.services_applying(answers)
        needed = {f for r in form.service_rules() if r.service in applying for f in r.required}
        assert needed == set(form.required_fields(answers))


def _sign_only_without_staff() -> domain.BundleForm:
    # The sign permit made conditional: its structural report's condition has an || of its own.
    bundle = read_fixture("open-a-shop.yaml")
    bundle["services"][2]["condition"] = "!form.hires_staff"
    return domain.merge_bundle(bundle, _services())


def test_a_bundle_material_is_needed_under_its_services_condition_and_its_own() -> None:
    form = _sign_only_without_staff()

    conditions = {m.code: form.material_condition(m) for m in form.materials}

    assert conditions == {
        # The business registration always needs it.
        "premises-proof": None,
        "staff-list": "(form.hires_staff) && (form.staff_count > 10)",
        "design-drawing": "!form.hires_staff",
        # Its own condition has an || of its own: in parentheses, the service's && binds it all.
        "structural-report": "(!form.hires_staff) && "
        '(form.width_m * form.height_m > 10.0 || form.mounting == "roof")',
        "electrical-safety": "(!form.hires_staff) && (form.illuminated)",
    }
    # A service that always applies: the material's own condition as it is written.
    always = _merged()
    report = next(m for m in always.materials if m.code == "structural-report")
    assert always.material_condition(report) == (
        'form.width_m * form.height_m > 10.0 || form.mounting == "roof"'
    )


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"hires_staff": False, "width_m": 1.0, "height_m": 1.0, "mounting": "wall"},
        {"hires_staff": False, "width_m": 1.0, "height_m": 1.0, "mounting": "roof"},
        {"hires_staff": True, "staff_count": 12, "mounting": "roof", "illuminated": True},
        {"hires_staff": False, "width_m": 5, "height_m": 3, "illuminated": True},
        {"hires_staff": True, "staff_count": 3},
    ],
)
def test_a_bundle_materials_condition_holds_when_the_material_is_needed(
    answers: dict[str, Any],
) -> None:
    form = _sign_only_without_staff()
    schema = form.schema()

    by_condition = [
        m.code
        for m in form.materials
        if domain.condition_holds(form.material_condition(m), answers, schema)
    ]

    assert by_condition == [m.code for m, _optional in form.materials_needed(answers)]


def test_a_material_condition_ending_in_a_comment_keeps_its_parentheses() -> None:
    bundle = read_fixture("open-a-shop.yaml")
    services = _services()
    staff_list = services["employer-social-insurance"]["materials"][1]
    staff_list["condition"] = "form.staff_count > 10 // a long list"

    form = domain.merge_bundle(bundle, services)
    condition = form.material_condition(form.materials[1])

    assert condition is not None
    schema = form.schema()
    assert domain.condition_holds(condition, {"hires_staff": True, "staff_count": 11}, schema)
    assert not domain.condition_holds(condition, {"hires_staff": False, "staff_count": 11}, schema)
