"""Forms built from JSON Schema fields, and conditions said in words."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.utils import translation

from yiwang.core.testing.html import parse
from yiwang.portal.conditions import explain
from yiwang.portal.forms import SchemaPageForm, display_answer, questions_for

FIELDS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 50, "x-title": {"zh": "名称", "en": "Name"}},
    "story": {
        "type": "string",
        "maxLength": 2000,
        "x-title": {"zh": "经过", "en": "What happened"},
    },
    "email": {"type": "string", "format": "email", "x-title": {"zh": "邮箱", "en": "E-mail"}},
    "day": {"type": "string", "format": "date", "x-title": {"zh": "日期", "en": "Day"}},
    "mobile": {"type": "string", "format": "cn-mobile", "x-title": {"zh": "手机", "en": "Mobile"}},
    "count": {"type": "integer", "x-title": {"zh": "数量", "en": "How many"}},
    "area": {"type": "number", "x-title": {"zh": "面积", "en": "Area"}},
    "lit": {"type": "boolean", "x-title": {"zh": "有灯光", "en": "Lit?"}},
    "size": {
        "type": "string",
        "enum": ["s", "m", "l"],
        "x-title": {"zh": "尺寸", "en": "Size"},
        "x-enum-titles": {
            "s": {"zh": "小", "en": "Small"},
            "m": {"zh": "中", "en": "Medium"},
            "l": {"zh": "大", "en": "Large"},
        },
    },
    "district": {
        "type": "string",
        "enum": [f"d{i}" for i in range(8)],
        "x-title": {"zh": "区", "en": "District"},
    },
    "topics": {
        "type": "array",
        "items": {"type": "string", "enum": ["tax", "health"]},
        "x-title": {"zh": "主题", "en": "Topics"},
    },
    "names": {
        "type": "array",
        "items": {"type": "string"},
        "x-title": {"zh": "名单", "en": "Names"},
    },
    "address": {
        "type": "object",
        "required": ["city"],
        "properties": {
            "city": {"type": "string", "x-title": {"zh": "城市", "en": "City"}},
            "floor": {"type": "integer", "x-title": {"zh": "楼层", "en": "Floor"}},
        },
        "x-title": {"zh": "地址", "en": "Address"},
    },
}


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def render(form: SchemaPageForm) -> Any:
    from django.template.loader import render_to_string

    return parse(
        "".join(render_to_string("portal/apply/question.html", {"row": r}) for r in form.rows())
    )


def form_for(*names: str, required: tuple[str, ...] = (), **kwargs: Any) -> SchemaPageForm:
    return SchemaPageForm(questions_for(names, FIELDS, required), **kwargs)


def test_each_schema_type_gets_the_right_control() -> None:
    doc = render(form_for(*FIELDS))
    assert doc.one("input", name="name").get("type") == "text"
    assert doc.one("textarea", name="story") is not None
    assert doc.one("input", name="email").get("type") == "email"
    assert doc.one("input", name="day").get("type") == "date"
    assert doc.one("input", name="mobile").get("type") == "tel"
    assert doc.one("input", name="count").get("inputmode") == "numeric"
    assert doc.one("input", name="area").get("inputmode") == "decimal"
    assert [i.get("value") for i in doc.find_all("input", name="lit")] == ["true", "false"]
    assert [i.get("value") for i in doc.find_all("input", name="size", type="radio")] == [
        "s",
        "m",
        "l",
    ]
    district = doc.one("select", name="district")
    assert len(district.find_all("option")) == 9  # "Choose an option" and eight districts
    assert len(doc.find_all("input", name="topics", type="checkbox")) == 2
    assert doc.one("textarea", name="names") is not None
    group = doc.find_all("fieldset")[-1]
    assert group.one("legend").text == "Address (optional)"
    assert group.one("input", name="address__city") is not None


def test_required_questions_have_no_optional_mark_and_others_say_so() -> None:
    doc = render(form_for("name", "email", required=("name",)))
    assert doc.one("label", for_="id_name").text == "Name"
    assert doc.one("label", for_="id_email").text == "E-mail (optional)"


def test_posted_text_becomes_json_values() -> None:
    data = QueryDict(mutable=True)
    data.update(
        {
            "name": " Li ",
            "count": "12",
            "area": "7.5",
            "lit": "false",
            "size": "m",
            "names": "Li\n\n Wang \n",
            "address__city": "Demo City",
            "address__floor": "",
        }
    )
    data.setlist("topics", ["tax", "health"])
    form = form_for(*FIELDS, data=data)
    assert form.answers() == {
        "name": "Li",
        "story": None,
        "email": None,
        "day": None,
        "mobile": None,
        "count": 12,
        "area": 7.5,
        "lit": False,
        "size": "m",
        "district": None,
        "topics": ["tax", "health"],
        "names": ["Li", "Wang"],
        "address": {"city": "Demo City"},
    }


def test_unreadable_numbers_are_kept_for_the_error_message() -> None:
    form = form_for("count", data=QueryDict("count=twelve"))
    assert form.answers() == {"count": "twelve"}


def test_errors_land_on_fields_and_groups_on_their_first_part() -> None:
    form = form_for("count", "address", "size", data=QueryDict("count=x"))
    form.set_errors(
        {
            "count": ["Enter a whole number."],
            "address": ["This field is required."],
            "size": ["This field is required."],
            "ghost": ["Not on this page."],
        }
    )
    assert form.errors["count"] == ["Enter a whole number."]
    assert form.errors["address__city"] == ["Enter “City”."]
    assert form.errors["size"] == ["Choose an answer to “Size”."]
    assert form.non_field_errors() == ["Not on this page."]


def test_saved_answers_fill_the_inputs_back_in() -> None:
    answers = {
        "count": 3,
        "lit": True,
        "topics": ["tax"],
        "names": ["Li", "Wang"],
        "address": {"city": "Demo City"},
    }
    form = form_for("count", "lit", "topics", "names", "address", answers=answers)
    assert form["count"].value() == "3"
    assert form["lit"].value() == "true"
    assert form["topics"].value() == ["tax"]
    assert form["names"].value() == "Li\nWang"
    assert form["address__city"].value() == "Demo City"


def test_answers_are_shown_back_in_words() -> None:
    assert display_answer(FIELDS["lit"], True) == "Yes"
    assert display_answer(FIELDS["size"], "l") == "Large"
    assert display_answer(FIELDS["area"], 12.0) == "12"
    assert display_answer(FIELDS["topics"], ["tax", "health"]) == "tax\nhealth"
    assert display_answer(FIELDS["address"], {"city": "Demo City", "floor": 3}) == (
        "City: Demo City\nFloor: 3"
    )
    with translation.override("zh-hans"):
        assert display_answer(FIELDS["size"], "l") == "大"


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("form.lit", "the answer to “Lit?” is yes"),
        ("!form.lit", "the answer to “Lit?” is no"),
        ("form.lit == false", "the answer to “Lit?” is no"),
        ('form.size == "l"', "“Size” is “Large”"),
        ('form.size != "s"', "“Size” is not “Small”"),
        ("form.count > 10", "“How many” is more than 10"),
        ("10 <= form.count", "“How many” is 10 or more"),
        ("form.area * 2.0 > 10.0", "“Area” × 2 is more than 10"),
        ("has(form.email)", "“E-mail” is answered"),
        ('form.size in ["m", "l"]', "“Size” is one of “Medium”, “Large”"),
        (
            'form.lit && (form.count > 1 || form.size == "l")',
            "the answer to “Lit?” is yes and either “How many” is more than 1, or “Size” is "
            "“Large”",
        ),
        ("form.names.exists(n, n == 'x')", "depending on your answers to “Names”"),
    ],
)
def test_conditions_are_said_in_plain_words(condition: str, words: str) -> None:
    assert explain(condition, FIELDS) == words


def test_conditions_use_the_persons_language() -> None:
    with translation.override("zh-hans"):
        assert "“尺寸”" in explain('form.size == "l"', FIELDS)
        assert "“大”" in explain('form.size == "l"', FIELDS)
