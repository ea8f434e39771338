"""Server-side checks of draft pages against the form's JSON Schema, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from jsonschema import Draft202012Validator

from yiwang.applications import domain, selectors, services
from yiwang.applications.models import Application
from yiwang.applications.types import ApplicationError, SubmissionIncomplete

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world: Any, citizen: Any) -> Application:
    return services.start_application(actor=citizen, service_code="shop-licence")


def save(citizen: Any, draft: Application, page: str | None, **data: Any) -> dict[str, list[str]]:
    return services.save_draft(actor=citizen, application=draft, data=data, page=page).errors


# Each case: page, answers, the field that is wrong, the English and the Chinese message.
CASES = [
    ("basics", {"contact_email": "a@b.org", "postcode": "100010"}, "business_name",
     "This field is required.", "此项为必填项。"),
    ("basics", {"business_name": "P", "contact_email": "a@b.org"}, "business_name",
     "Enter at least 2 characters.", "请至少输入 2 个字符。"),
    ("basics", {"business_name": "P" * 41, "contact_email": "a@b.org"}, "business_name",
     "Enter no more than 40 characters.", "请输入不超过 40 个字符。"),
    ("basics", {"business_name": "Plum", "contact_email": "a@b.org", "postcode": "1000"},
     "postcode", "Enter the answer in the format asked for.", "请按要求的格式填写。"),
    ("basics", {"business_name": "Plum", "contact_email": "not-an-address"}, "contact_email",
     "Enter an e-mail address like name@example.org.",
     "请输入电子邮件地址，例如 name@example.org。"),
    ("premises", {"floor_area": 10, "staff_count": 1, "category": "food",
                  "opening_date": "2026-02-30"}, "opening_date",
     "Enter a real date in the form 2026-01-31.", "请输入真实的日期，格式如 2026-01-31。"),
    ("premises", {"floor_area": 10, "staff_count": 1, "category": "toys"}, "category",
     "Choose one of the options given.", "请从给出的选项中选择。"),
    ("premises", {"floor_area": 0.5, "staff_count": 1, "category": "food"}, "floor_area",
     "Enter a number of 1 or more.", "请输入不小于 1 的数字。"),
    ("premises", {"floor_area": 100001, "staff_count": 1, "category": "food"}, "floor_area",
     "Enter a number of 100000 or less.", "请输入不大于 100000 的数字。"),
    ("premises", {"floor_area": 10, "staff_count": 2.5, "category": "food"}, "staff_count",
     "Enter a whole number.", "请输入整数。"),
    ("premises", {"floor_area": "big", "staff_count": 1, "category": "food"}, "floor_area",
     "Enter a number.", "请输入数字。"),
    ("premises", {"floor_area": 10, "staff_count": 1, "category": "food",
                  "sells_alcohol": "maybe"}, "sells_alcohol",
     "Choose yes or no.", "请选择是或否。"),
]  # fmt: skip


@pytest.mark.parametrize(("page", "data", "field", "english", "chinese"), CASES)
def test_each_schema_rule_gives_a_plain_message_in_both_languages(
    draft: Application,
    citizen: Any,
    page: str,
    data: dict[str, Any],
    field: str,
    english: str,
    chinese: str,
) -> None:
    with translation.override("en"):
        errors = save(citizen, draft, page, **data)
    assert errors == {field: [english]}
    with translation.override("zh-hans"):
        errors = save(citizen, draft, page, **data)
    assert errors == {field: [chinese]}


STAFF = {"zh": "员工", "en": "Staff"}
GROUPS = {"type": "object", "properties": {"name": {"type": "string"}}}
SHIFTS = {"type": "string", "enum": ["day", "night", "weekend"]}

# Each case: a list's schema, an answer with too few or too many items, English and Chinese.
LIST_CASES = [
    ({"type": "array", "minItems": 2, "x-title": STAFF, "items": GROUPS}, [{"name": "Li"}],
     "Add at least 2 entries to “Staff”.", "请为“员工”至少填写 2 项。"),
    ({"type": "array", "maxItems": 1, "x-title": STAFF, "items": GROUPS},
     [{"name": "Li"}, {"name": "Wang"}],
     "Give no more than 1 entry for “Staff”.", "“员工”最多填写 1 项。"),
    ({"type": "array", "minItems": 1, "x-title": "Phones", "items": {"type": "string"}}, [],
     "Add at least 1 entry to “Phones”.", "请为“Phones”至少填写 1 项。"),
    ({"type": "array", "minItems": 3, "items": {"type": "string"}}, ["a"],
     "Add at least 3 entries.", "请至少填写 3 项。"),
    ({"type": "array", "maxItems": 2, "items": GROUPS}, [{}, {}, {}],
     "Give no more than 2 entries.", "最多填写 2 项。"),
    # Check boxes are chosen, not added: their messages stay as they were.
    ({"type": "array", "minItems": 2, "x-title": STAFF, "items": SHIFTS}, ["day"],
     "Choose at least 2 items.", "请至少选择 2 项。"),
    ({"type": "array", "maxItems": 1, "x-title": STAFF, "items": SHIFTS}, ["day", "night"],
     "Choose no more than 1 item.", "最多选择 1 项。"),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "answer", "english", "chinese"), LIST_CASES)
def test_too_few_or_too_many_items_say_what_to_do_with_the_list_in_both_languages(
    schema: dict[str, Any], answer: list[Any], english: str, chinese: str
) -> None:
    (error,) = Draft202012Validator(schema).iter_errors(answer)
    with translation.override("en"):
        assert domain.error_message(error) == english
    with translation.override("zh-hans"):
        assert domain.error_message(error) == chinese


def test_a_valid_page_has_no_errors_and_is_saved(draft: Application, citizen: Any) -> None:
    result = services.save_draft(
        actor=citizen,
        application=draft,
        page="basics",
        data={"business_name": "Plum", "contact_email": "a@b.org", "postcode": ""},
    )

    assert result.valid
    stored = Application.objects.get(pk=draft.pk)
    assert stored.form_data == {"business_name": "Plum", "contact_email": "a@b.org"}
    assert stored.current_page == "basics"


def test_wrong_answers_are_kept_so_nothing_typed_is_lost(draft: Application, citizen: Any) -> None:
    errors = save(citizen, draft, "premises", floor_area=-3, staff_count=1, category="food")

    assert "floor_area" in errors
    assert Application.objects.get(pk=draft.pk).form_data["floor_area"] == -3


@pytest.mark.parametrize("typed", ["Pl\x00um", "Pl\x1b[31mum", "Plum\x7f"])
def test_a_control_character_is_refused_beside_the_field_and_the_saved_answer_stays(
    draft: Application, citizen: Any, typed: str
) -> None:
    save(citizen, draft, "basics", business_name="Plum", contact_email="a@b.org")

    errors = save(citizen, draft, "basics", business_name=typed, contact_email="c@d.org")

    assert list(errors) == ["business_name"]
    assert "control character" in errors["business_name"][0]
    stored = Application.objects.get(pk=draft.pk).form_data
    if "\x00" in typed:  # the database cannot hold it: the answer saved before stays
        assert stored["business_name"] == "Plum"
    else:  # kept as typed, like any wrong answer, and refused at submission
        assert stored["business_name"] == typed
    assert stored["contact_email"] == "c@d.org"


def test_the_api_refuses_numbers_json_cannot_hold(draft: Application, citizen: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(citizen)
    for number in ("NaN", "1e400"):
        body = f'{{"page": "premises", "data": {{"floor_area": {number}, "staff_count": 1}}}}'
        response = client.patch(
            f"/api/v1/applications/{draft.pk}/draft", body, content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )  # fmt: skip

        assert response.status_code == 422
        assert "infinity and NaN" in response.json()["error"]["fields"]["floor_area"][0]
    assert "floor_area" not in Application.objects.get(pk=draft.pk).form_data


def test_a_page_checks_only_its_own_required_fields(draft: Application, citizen: Any) -> None:
    errors = save(citizen, draft, "basics", business_name="Plum")

    assert errors == {"contact_email": ["This field is required."]}


def test_fields_of_another_page_are_refused(draft: Application, citizen: Any) -> None:
    errors = save(citizen, draft, "basics", business_name="Plum", contact_email="a@b.org",
                  floor_area=20)  # fmt: skip

    assert errors == {"floor_area": ["This question is not on this page."]}
    assert "floor_area" not in Application.objects.get(pk=draft.pk).form_data


def test_unknown_page_is_refused(draft: Application, citizen: Any) -> None:
    with pytest.raises(ApplicationError):
        save(citizen, draft, "nowhere", business_name="Plum")


def test_form_of_a_bundle_has_the_merged_pages(world: Any, citizen: Any) -> None:
    application = services.start_application(actor=citizen, bundle_code="open-shop")

    form = selectors.application_form(application=application)

    assert [p.id for p in form.pages] == ["shop-licence.basics", "shop-licence.premises"]
    # Without staff and food, only the shop licence's own fields are required.
    assert set(form.required_fields({"staff_count": 0, "category": "retail"})) == {
        "business_name",
        "contact_email",
        "floor_area",
        "staff_count",
        "category",
    }
    assert {m.code for m in form.materials_needed({"floor_area": 500.0})} == {
        "premises-proof",
        "fire-plan",
        "menu",
    }


@pytest.mark.parametrize(
    ("schema", "raw", "expected"),
    [
        ({"type": "integer"}, "12", 12),
        ({"type": "integer"}, "12.0", 12),
        ({"type": "integer"}, "twelve", "twelve"),
        ({"type": "number"}, "300", 300),
        ({"type": "number"}, "300.5", 300.5),
        ({"type": "number"}, "nan", "nan"),
        ({"type": "boolean"}, "yes", True),
        ({"type": "boolean"}, "false", False),
        ({"type": "string"}, "  Plum  ", "Plum"),
        ({"type": "string"}, "   ", None),
        ({"type": "array", "items": {"type": "integer"}}, ["1", "2"], [1, 2]),
    ],
)
def test_text_posted_by_a_form_gets_the_declared_type(
    schema: dict[str, Any], raw: Any, expected: Any
) -> None:
    assert domain.coerce_answer(schema, raw) == expected


# --- Fields required only when another answer is given (card-posting.yaml) ---------------------


@pytest.fixture
def card(world: Any, citizen: Any) -> Application:
    return services.start_application(actor=citizen, service_code="card-posting")


HOLDER = "11010519491231002X"


def test_choosing_post_requires_the_address_on_its_page_not_on_the_page_choosing_it(
    card: Application, citizen: Any
) -> None:
    # The page with the choice is complete: the address is asked for on its own page.
    assert save(citizen, card, "card", delivery="post", holder_id=HOLDER) == {}
    with translation.override("en"):
        assert save(citizen, card, "post", postal_address="") == {
            "postal_address": ["This field is required."]
        }
    with translation.override("zh-hans"):
        assert save(citizen, card, "post", postal_address="  ") == {
            "postal_address": ["此项为必填项。"]
        }
    assert save(citizen, card, "post", postal_address="1 Lake Road, Demo City") == {}


def test_a_field_required_on_the_same_page_is_named_beside_it(
    card: Application, citizen: Any
) -> None:
    errors = save(citizen, card, "card", delivery="counter", holder_id=HOLDER)

    assert errors == {"counter": ["This field is required."]}
    assert save(citizen, card, "card", delivery="counter", counter="", holder_id=HOLDER) == {
        "counter": ["This field is required."]
    }
    assert save(citizen, card, "card", delivery="counter", counter="A3", holder_id=HOLDER) == {}


def test_the_other_choice_does_not_require_the_address(card: Application, citizen: Any) -> None:
    save(citizen, card, "card", delivery="counter", counter="A3", holder_id=HOLDER)

    assert save(citizen, card, "post") == {}
    assert services.submit_application(actor=citizen, application=card).receipt_number


def test_answering_one_field_can_require_another(card: Application, citizen: Any) -> None:
    save(citizen, card, "card", delivery="counter", counter="A3", holder_id=HOLDER)

    assert save(citizen, card, "post", postcode="100010") == {
        "postal_address": ["This field is required."]
    }


def test_submission_catches_an_address_missing_for_post(card: Application, citizen: Any) -> None:
    # Saved without the page that asks for it (e.g. over the API without a page).
    save(citizen, card, None, delivery="post", holder_id=HOLDER)

    with pytest.raises(SubmissionIncomplete) as info:
        services.submit_application(actor=citizen, application=card)

    assert info.value.errors == {"postal_address": ["This field is required."]}
    assert selectors.application_form(application=card).required_fields({"delivery": "post"}) == [
        "delivery",
        "holder_id",
        "postal_address",
    ]


def test_the_api_names_the_missing_field_when_saving_and_submitting(
    card: Application, citizen: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(citizen)
    url = f"/api/v1/applications/{card.pk}"

    saved = client.patch(
        f"{url}/draft",
        {"page": "card", "data": {"delivery": "post", "holder_id": HOLDER}},
        content_type="application/json",
    )
    page = client.patch(
        f"{url}/draft",
        {"page": "post", "data": {"postal_address": ""}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    submitted = client.post(f"{url}/submit", HTTP_IDEMPOTENCY_KEY="k", HTTP_ACCEPT_LANGUAGE="en")
    draft = client.get(f"{url}/draft")

    assert saved.status_code == 200
    assert page.status_code == 422
    assert page.json()["error"]["fields"] == {"postal_address": ["此项为必填项。"]}
    assert submitted.status_code == 422
    assert submitted.json()["error"]["fields"] == {"postal_address": ["This field is required."]}
    assert draft.json()["required"] == ["delivery", "holder_id", "postal_address"]


# --- Identifiers and bank accounts as people type them ------------------------------------------


def test_identifiers_and_accounts_are_accepted_as_typed_and_stored_plainly(
    card: Application, citizen: Any
) -> None:
    errors = save(
        citizen,
        card,
        "card",
        delivery="counter",
        counter="A3",
        holder_id="１１０１０５\u300019491231\u00a0002x",
        employer_uscc="91350100 m000100 y43",
        bank_account="6222 0000 1111 2222",
    )

    assert errors == {}
    stored = Application.objects.get(pk=card.pk).form_data
    assert stored["holder_id"] == "11010519491231002X"
    assert stored["employer_uscc"] == "91350100M000100Y43"
    assert stored["bank_account"] == "6222000011112222"


IDENTIFIER_CASES = [
    ("holder_id", "110105194912310021",
     "The last character (the check digit) does not match the rest of the citizen ID number: "
     "check the number.",
     "公民身份号码的最后一位（校验码）与前 17 位不符，请您核对号码。"),
    ("holder_id", "1101051949123100",
     "A citizen ID number has 18 characters; this one has 16. Check for a missing or extra "
     "character.",
     "公民身份号码为 18 位，当前为 16 位。请您检查是否漏输或多输。"),
    ("holder_id", "110105209901010012",
     "The date of birth in this citizen ID number (characters 7 to 14) is 2099-01-01, which is "
     "in the future: check the number.",
     "此公民身份号码中的出生日期（第 7 至 14 位）为 2099-01-01，晚于今天，请您核对号码。"),
    ("holder_id", "110105189912310023",
     "The date of birth in this citizen ID number (characters 7 to 14) is 1899-12-31, before "
     "1900-01-01: check the number.",
     "此公民身份号码中的出生日期（第 7 至 14 位）为 1899-12-31，早于 1900-01-01，请您核对号码。"),
    ("employer_uscc", "91350100M000100Y44",
     "The last character (the check character) does not match the rest of the unified social "
     "credit code: check the code.",
     "统一社会信用代码的最后一位（校验码）与前 17 位不符，请您核对代码。"),
    ("bank_account", "6222 0000 111",
     "Enter the bank account number: 12 to 19 digits.",
     "请输入银行账号：12 至 19 位数字。"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "typed", "english", "chinese"), IDENTIFIER_CASES)
def test_a_wrong_identifier_or_account_says_what_is_wrong_in_both_languages(
    card: Application, citizen: Any, field: str, typed: str, english: str, chinese: str
) -> None:
    answers = {"delivery": "counter", "counter": "A3", "holder_id": HOLDER, field: typed}
    with translation.override("en"):
        assert save(citizen, card, "card", **answers) == {field: [english]}
    with translation.override("zh-hans"):
        assert save(citizen, card, "card", **answers) == {field: [chinese]}


def test_the_demo_social_security_card_needs_an_address_only_to_post_it() -> None:
    from pathlib import Path

    import yaml

    import yiwang.demo

    path = Path(yiwang.demo.__file__).parent / "definitions" / "newborn-social-security-card.yaml"
    spec = domain.FormSpec.for_service(yaml.safe_load(path.read_text(encoding="utf-8")))
    answers = {
        "baby_name": "周小宝",
        "baby_birth_date": "2026-01-05",
        "mother_id": HOLDER,
        "guardian_phone": "13800138000",
        "card_delivery": "post",
    }
    page = spec.pages[0].fields

    def errors(data: dict[str, Any]) -> dict[str, list[str]]:
        return domain.validate_answers(spec, data, fields=page, required=spec.required_fields(data))

    assert errors(answers) == {"postal_address": ["This field is required."]}
    assert errors({**answers, "postal_address": "演示市云湖区湖滨路 1 号"}) == {}
    assert errors({**answers, "card_delivery": "collect"}) == {}
