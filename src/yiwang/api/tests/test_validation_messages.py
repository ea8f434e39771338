"""Per-field validation messages speak the request's language, not pydantic's English.

The error's shape stays the one docs/api.md documents; only the words in ``fields`` change.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, Literal

import pytest
from django.test import Client
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticError

from yiwang.api.errors import validation_fields
from yiwang.api.schemas import Moment
from yiwang.api.tests import world as w

Login = Callable[..., Client]

# pydantic's English for the same errors: none of it may reach a Chinese reader.
PYDANTIC_ENGLISH = (
    "Field required",
    "Input should",
    "String should",
    "List should",
    "Value error",
    "Extra inputs",
    "Cannot parse",
)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=4)
    code: str = Field(min_length=3)
    count: int
    ratio: float
    ok: bool
    kind: Literal["service", "bundle"]
    colour: Colour
    size: int = Field(gt=2, le=10)
    tags: list[str] = Field(min_length=2)
    at: Moment


def _errors(data: dict[str, Any]) -> list[dict[str, Any]]:
    """pydantic's errors as django-ninja hands them over: located in the body, no input, and
    the exception in a value error's context turned into its text."""
    try:
        Sample.model_validate(data)
    except PydanticError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            error = dict(error)
            error["loc"] = ("body", "payload", *error["loc"])
            error.pop("input", None)
            if "error" in error.get("ctx", {}):
                error["ctx"] = {**error["ctx"], "error": str(error["ctx"]["error"])}
            errors.append(error)
        return errors
    raise AssertionError("the sample was valid")


WRONG = {
    "name": "too long",
    "code": "ab",
    "count": "many",
    "ratio": "half",
    "ok": "perhaps",
    "kind": "other",
    "colour": "green",
    "size": 1,
    "tags": ["one"],
    "at": "9999-12-31T23:59:59-23:59",
    "extra": 1,
}


def test_each_kind_of_field_error_is_said_in_chinese() -> None:
    with translation.override("zh-hans"):
        fields = validation_fields(_errors(WRONG))
        missing = validation_fields(_errors({"name": 5}))

    assert fields == {
        "name": ["请输入不超过 4 个字符。"],
        "code": ["请至少输入 3 个字符。"],
        "count": ["请输入整数。"],
        "ratio": ["请输入数字。"],
        "ok": ["请输入是或否（true 或 false）。"],
        "kind": ["请从以下选项中选择一个：service, bundle。"],
        "colour": ["请从以下选项中选择一个：red, blue。"],
        "size": ["请输入大于 2 的数字。"],
        "tags": ["请至少选择 2 项。"],
        "at": ["这个时间过早或过晚，无法保存，请检查年份。"],
        "extra": ["没有这个字段。"],
    }
    assert missing["name"] == ["请输入文字。"]
    assert missing["count"] == ["此项为必填项。"]


def test_each_kind_of_field_error_is_a_plain_english_sentence() -> None:
    with translation.override("en"):
        fields = validation_fields(_errors({**WRONG, "size": 11}))

    assert fields["name"] == ["Enter no more than 4 characters."]
    assert fields["kind"] == ["Choose one of: service, bundle."]
    assert fields["size"] == ["Enter a number of 10 or less."]
    assert fields["at"] == [
        "This moment is too far in the past or future to be stored: check the year."
    ]


def test_an_error_type_without_a_sentence_keeps_pydantic_english() -> None:
    error = {"type": "uuid_parsing", "loc": ("query", "id"), "msg": "Input should be a UUID"}

    with translation.override("zh-hans"):
        assert validation_fields([error]) == {"id": ["Input should be a UUID"]}


def test_a_validators_own_message_loses_pydantics_value_error_prefix() -> None:
    error = {
        "type": "value_error",
        "loc": ("body", "payload"),
        "msg": "Value error, Give either a service or a bundle.",
        "ctx": {"error": "Give either a service or a bundle."},
    }

    assert validation_fields([error]) == {"__all__": ["Give either a service or a bundle."]}


def test_a_moment_out_of_range_is_refused_in_the_requests_language() -> None:
    with translation.override("zh-hans"), pytest.raises(PydanticError) as refused:
        TypeAdapter(Moment).validate_python("0001-01-01T00:00:00+14:00")

    assert "无法保存" in refused.value.errors()[0]["ctx"]["error"].args[0]


@pytest.mark.django_db
def test_wrong_fields_sent_to_the_api_are_explained_in_chinese(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen())

    response = client.post(
        "/api/v1/applications",
        {"service": 5, "bundle": "b" * 65},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-Hans",
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "提交的部分值无效，详见 fields。"
    assert error["fields"] == {
        "service": ["请输入文字。"],
        "bundle": ["请输入不超过 64 个字符。"],
    }


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused_in_the_requests_language(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen())

    def send(language: str) -> Any:
        return client.post(
            "/api/v1/applications",
            "{not json",
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )

    chinese, english = send("zh-Hans"), send("en")

    assert chinese.status_code == english.status_code == 400
    assert chinese.json() == {
        "error": {"code": "bad_request", "message": "请求体不是有效的 JSON，请检查其语法。"}
    }
    assert english.json()["error"]["message"] == (
        "The request's body is not valid JSON: check its syntax."
    )


def test_no_message_in_chinese_keeps_pydantic_english() -> None:
    with translation.override("zh-hans"):
        fields = validation_fields(_errors(WRONG) + _errors({}))

    said = [m for messages in fields.values() for m in messages]
    assert not [m for m in said if m.startswith(PYDANTIC_ENGLISH)]


def test_a_query_parameter_is_named_as_the_caller_wrote_it() -> None:
    from yiwang.api.errors import field_name

    assert field_name(["query", "params", "status", 0]) == "status"
    assert field_name(["query", "status", 1]) == "status"
    assert field_name(["query", "params"]) == "params"
    assert field_name(["body", "payload", "answers", "children", 0, "name"]) == (
        "answers.children.0.name"
    )
