"""A form's shared definitions (``$defs`` and ``$ref``, as docs/services.md shows them) work
wherever a field is read: answers are checked inside the referred group, keys written beside the
reference win, and references inside lists and other definitions are followed too."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from yiwang.applications import domain
from yiwang.catalogue.domain import form_fields

ADDRESS = {
    "type": "object",
    "x-title": {"zh": "地址", "en": "Address"},
    "required": ["street"],
    "properties": {
        "street": {"type": "string", "minLength": 2, "x-title": {"zh": "街道", "en": "Street"}},
        "postcode": {"$ref": "#/$defs/postcode"},
    },
}
FORM: dict[str, Any] = {
    "type": "object",
    "$defs": {
        "address": ADDRESS,
        "postcode": {
            "type": "string",
            "pattern": "^[0-9]{6}$",
            "x-title": {"zh": "邮编", "en": "Postcode"},
        },
    },
    "properties": {
        "home": {
            "type": "object",
            "$ref": "#/$defs/address",
            "x-title": {"zh": "住址", "en": "Home"},
        },
        "previous": {
            "type": "array",
            "x-title": {"zh": "曾住地址", "en": "Earlier addresses"},
            "items": {"type": "object", "$ref": "#/$defs/address"},
        },
        "note": {"type": "string", "x-title": {"zh": "备注", "en": "Note"}},
    },
    "required": ["home"],
    "pages": [{"id": "all", "title": {"zh": "全部", "en": "All"}, "fields": ["home", "note"]}],
}


def spec() -> domain.FormSpec:
    return domain.FormSpec.for_service({"code": "moving", "form": FORM, "materials": []})


def test_a_reference_is_written_out_in_place_and_keys_beside_it_win() -> None:
    fields = form_fields(FORM)

    assert fields["home"]["x-title"] == {"zh": "住址", "en": "Home"}
    assert fields["home"]["required"] == ["street"]
    assert fields["home"]["properties"]["postcode"]["pattern"] == "^[0-9]{6}$"
    assert fields["previous"]["items"]["properties"]["street"]["minLength"] == 2
    assert "$ref" not in str(fields)
    assert fields["note"] == FORM["properties"]["note"]


def test_a_form_without_shared_definitions_is_read_as_it_is() -> None:
    plain = {"type": "object", "properties": {"note": {"type": "string"}}}
    assert form_fields(plain) == {"note": {"type": "string"}}


def test_answers_are_checked_inside_the_referred_group_and_its_parts() -> None:
    answers = {
        "home": {"street": "x", "postcode": "12"},
        "previous": [{"street": "Lake Road 1", "postcode": "990102"}, {"postcode": "abc"}],
    }
    with translation.override("en"):
        errors = domain.validate_answers(spec(), answers, required=["home"])

    assert errors == {
        "home.street": ["Enter at least 2 characters."],
        "home.postcode": ["Enter the answer in the format asked for."],
        "previous.1.street": ["This field is required."],
        "previous.1.postcode": ["Enter the answer in the format asked for."],
    }


def test_good_answers_pass() -> None:
    answers = {"home": {"street": "Lake Road 1", "postcode": "990102"}, "note": "moving in May"}
    assert domain.validate_answers(spec(), answers, required=["home"]) == {}
