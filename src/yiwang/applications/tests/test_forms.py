"""Server-side checks of draft pages against the form's JSON Schema, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from jsonschema import Draft202012Validator

from yiwang.applications import domain, selectors, services
from yiwang.applications.models import Application
from yiwang.applications.types import ApplicationError

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
