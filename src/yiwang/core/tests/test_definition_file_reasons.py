"""A definition file that breaks its schema is explained in the reader's language, rule by rule.

Every keyword the committed schemas use has its own reason, which says what is allowed; the
library's English message is never shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import translation
from typer.testing import CliRunner

from yiwang.catalogue.tests.conftest import DEPARTMENTS, SERVICES, row_counts
from yiwang.cli import app
from yiwang.core.definition_files import Document, schema_problems, validator_for
from yiwang.core.schema_reasons import SCHEMA_HINTS, SCHEMA_RULES
from yiwang.identity.tests.factories import DepartmentFactory

SOURCE = Path(__file__).resolve().parents[2]
COMMITTED_SCHEMAS = sorted(
    [
        *(SOURCE.parents[1] / "schemas").glob("*.schema.json"),
        *(SOURCE / "catalogue" / "schemas").glob("*.schema.json"),
        *(SOURCE / "exchange" / "schemas").glob("*.schema.json"),
        *(SOURCE / "core" / "schemas").glob("*.schema.json"),
    ]
)

# Keywords that hold other schemas or notes: they report no mistake of their own.
STRUCTURE = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "default",
    "properties", "patternProperties", "items", "allOf", "if", "then", "else",
}  # fmt: skip

CURRENCY = "a three-letter ISO 4217 currency code in capitals, e.g. CNY"
JSON_PATH = (
    "Where a value is in a JSON answer: keys separated by dots, list positions as numbers "
    "(data.person.names.0)."
)


@dataclass(frozen=True)
class Case:
    keyword: str
    schema: dict[str, Any]
    value: Any
    path: str
    chinese: str
    english: str


def under(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {key: schema}}


CASES = {
    "maxLength": Case(
        "maxLength",
        under("region", {"type": "string", "maxLength": 32}),
        {"region": "r" * 33},
        "region",
        "太长：最多 32 个字符",
        "is too long: at most 32 characters",
    ),
    "maxLength of one": Case(
        "maxLength",
        under("sex", {"type": "string", "maxLength": 1}),
        {"sex": "male"},
        "sex",
        "太长：最多 1 个字符",
        "is too long: at most 1 character",
    ),
    "maxLength counts characters, not bytes": Case(
        "maxLength",
        under("name", {"type": "string", "maxLength": 3}),
        {"name": "居住证续签"},
        "name",
        "太长：最多 3 个字符",
        "is too long: at most 3 characters",
    ),
    "minLength of one": Case(
        "minLength",
        under("zh", {"type": "string", "minLength": 1}),
        {"zh": ""},
        "zh",
        "不能为空",
        "must not be empty",
    ),
    "minLength": Case(
        "minLength",
        under("token", {"type": "string", "minLength": 9}),
        {"token": "12345678"},
        "token",
        "太短：至少 9 个字符",
        "is too short: at least 9 characters",
    ),
    "minimum": Case(
        "minimum",
        under("year", {"type": "integer", "minimum": 1950}),
        {"year": 1900},
        "year",
        "必须 ≥ 1950，而不是 1900",
        "must be ≥ 1950, not 1900",
    ),
    "exclusiveMinimum": Case(
        "exclusiveMinimum",
        under("seconds", {"type": "number", "exclusiveMinimum": 0}),
        {"seconds": 0},
        "seconds",
        "必须 > 0，而不是 0",
        "must be > 0, not 0",
    ),
    "maximum": Case(
        "maximum",
        under("max_size_mb", {"type": "number", "maximum": 100}),
        {"max_size_mb": 101},
        "max_size_mb",
        "必须 ≤ 100，而不是 101",
        "must be ≤ 100, not 101",
    ),
    "minItems": Case(
        "minItems",
        under("services", {"type": "array", "minItems": 2}),
        {"services": ["open-a-shop"]},
        "services",
        "至少需要 2 项",
        "needs at least 2 items",
    ),
    "maxItems": Case(
        "maxItems",
        under("steps", {"type": "array", "maxItems": 2}),
        {"steps": [1, 2, 3]},
        "steps",
        "最多只能有 2 项",
        "may hold at most 2 items",
    ),
    "minProperties": Case(
        "minProperties",
        under("fields", {"type": "object", "minProperties": 1}),
        {"fields": {}},
        "fields",
        "至少需要 1 个键",
        "needs at least 1 key",
    ),
    "uniqueItems": Case(
        "uniqueItems",
        under("required", {"type": "array", "uniqueItems": True}),
        {"required": ["name", "name"]},
        "required",
        "同一项列出了不止一次",
        "lists the same item more than once",
    ),
    "pattern with a rule": Case(
        "pattern",
        under("currency", {"type": "string", "pattern": "^[A-Z]{3}$", "description": CURRENCY}),
        {"currency": "cny"},
        "currency",
        '"cny" 无效：必须是三个大写字母的 ISO 4217 货币代码，例如 CNY',
        '"cny" is not valid: must be a three-letter ISO 4217 currency code in capitals, e.g. CNY',
    ),
    "pattern with a hint": Case(
        "pattern",
        under(
            "path", {"type": "string", "pattern": r"^[^.]+(\.[^.]+)*$", "description": JSON_PATH}
        ),
        {"path": "name..full"},
        "path",
        r'"name..full" 无效：必须匹配 ^[^.]+(\.[^.]+)*$；值在 JSON 应答中的位置：各级键用点分隔，'
        "列表位置写成数字（data.person.names.0）。",
        r'"name..full" is not valid: must match ^[^.]+(\.[^.]+)*$; ' + JSON_PATH,
    ),
    "pattern alone": Case(
        "pattern",
        under("code", {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}),
        {"code": "Firms"},
        "code",
        '"Firms" 无效：必须是^[a-z][a-z0-9_]*$',
        '"Firms" is not valid: must be ^[a-z][a-z0-9_]*$',
    ),
    "enum": Case(
        "enum",
        under("kind", {"enum": ["holiday", "makeup_workday"]}),
        {"kind": "vacation"},
        "kind",
        '不允许 "vacation"；请使用以下之一："holiday", "makeup_workday"',
        '"vacation" is not allowed; use one of: "holiday", "makeup_workday"',
    ),
    "const": Case(
        "const",
        under("kind", {"const": "service"}),
        {"kind": "services"},
        "kind",
        '必须是 "service"',
        'must be "service"',
    ),
    "type": Case(
        "type",
        under("promised_days", {"type": "integer"}),
        {"promised_days": "five"},
        "promised_days",
        "必须是整数，而不是文本",
        "must be a whole number, not text",
    ),
    "required": Case(
        "required",
        {"type": "object", "required": ["name"]},
        {},
        "name",
        "缺失；这是必填的键",
        "is missing; this key is required",
    ),
    "additionalProperties": Case(
        "additionalProperties",
        {"type": "object", "additionalProperties": False, "properties": {"color": {}}},
        {"colour": "red"},
        "colour",
        "未知的键 'colour'；是否是指 'color'？；此处允许的键：color",
        "unknown key 'colour'; did you mean 'color'?; allowed keys here: color",
    ),
    "format date": Case(
        "format",
        under("start", {"type": "string", "format": "date"}),
        {"start": "2026-02-30"},
        "start",
        '"2026-02-30" 不是有效的日期：请按 YYYY-MM-DD 写出日历上存在的日子，例如 2026-03-01',
        '"2026-02-30" is not a valid date: write a day of the calendar as YYYY-MM-DD, '
        "e.g. 2026-03-01",
    ),
    "format uri": Case(
        "format",
        under("url", {"type": "string", "format": "uri"}),
        {"url": "see the law"},
        "url",
        '"see the law" 不是有效的网址（URI）：请写出带协议的完整地址，例如 https://www.gov.cn/',
        '"see the law" is not a valid uri: write the whole address with its scheme, '
        "e.g. https://www.gov.cn/",
    ),
    "format regex": Case(
        "format",
        under("pattern", {"type": "string", "format": "regex"}),
        {"pattern": "[0-9"},
        "pattern",
        '"[0-9" 不是有效的正则表达式：unterminated character set at position 0',
        '"[0-9" is not a valid regular expression: unterminated character set at position 0',
    ),
    "propertyNames pattern": Case(
        "propertyNames",
        {"type": "object", "propertyNames": {"type": "string", "pattern": "^[a-z]+$"}},
        {"Name": 1},
        "Name",
        '"Name" 不是此处有效的名称：必须是^[a-z]+$',
        '"Name" is not a valid name here: must be ^[a-z]+$',
    ),
    "propertyNames maxLength": Case(
        "propertyNames",
        {"type": "object", "propertyNames": {"type": "string", "maxLength": 8}},
        {"national_id": 1},
        "national_id",
        '"national_id" 作为此处的名称太长：最多 8 个字符',
        '"national_id" is too long for a name here: at most 8 characters',
    ),
    "propertyNames minLength": Case(
        "propertyNames",
        {"type": "object", "propertyNames": {"type": "string", "minLength": 3}},
        {"id": 1},
        "id",
        '"id" 作为此处的名称太短：至少 3 个字符',
        '"id" is too short for a name here: at least 3 characters',
    ),
    "anyOf of required keys": Case(
        "anyOf",
        under(
            "prefill",
            {"type": "object", "anyOf": [{"required": ["element"]}, {"required": ["field"]}]},
        ),
        {"prefill": {"registry": "population"}},
        "prefill",
        "至少需要以下键之一：element, field",
        "needs at least one of these keys: element, field",
    ),
    "anyOf of types": Case(
        "anyOf",
        under("value", {"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        {"value": []},
        "value",
        "不符合任何一种允许的写法：必须是文本，而不是列表；必须是整数，而不是列表",
        "matches none of the allowed forms: must be text, not a list; "
        "must be a whole number, not a list",
    ),
    "not of a key": Case(
        "not",
        {"type": "object", "not": {"required": ["token_env"]}},
        {"token_env": "REGISTRY_TOKEN"},
        "token_env",
        "此处不允许出现；该键只与其他设置搭配使用",
        "is not allowed here; this key goes only with other settings",
    ),
    "not": Case(
        "not",
        under("scheme", {"not": {"const": "http"}}),
        {"scheme": "http"},
        "scheme",
        "此处不允许出现",
        "is not allowed here",
    ),
    "a keyword with no reason of its own": Case(
        "multipleOf",
        under("amount", {"type": "number", "multipleOf": 5}),
        {"amount": 7},
        "amount",
        "不符合 JSON Schema 规则 multipleOf: 5",
        "does not meet the schema rule multipleOf: 5",
    ),
}


def reasons(case: Case, language: str) -> list[tuple[str, str]]:
    doc = Document("definition.yaml", case.value)
    with translation.override(language):
        problems = schema_problems(validator_for(case.schema), case.value, doc)
    return [(problem.path, problem.reason) for problem in problems]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_broken_rule_is_explained_in_chinese(case: Case) -> None:
    assert reasons(case, "zh-hans") == [(case.path, case.chinese)]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_broken_rule_is_explained_in_english(case: Case) -> None:
    assert reasons(case, "en") == [(case.path, case.english)]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_librarys_english_is_never_shown(case: Case) -> None:
    library = [error.message for error in validator_for(case.schema).iter_errors(case.value)]
    assert library
    for language in ("zh-hans", "en"):
        for _path, reason in reasons(case, language):
            assert not any(message in reason for message in library), reason


def _keywords(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in ("properties", "patternProperties", "$defs"):
                for schema in value.values():
                    _keywords(schema, found)
            else:
                _keywords(value, found)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)


def test_every_keyword_of_the_committed_schemas_has_its_own_reason() -> None:
    assert len(COMMITTED_SCHEMAS) >= 12
    used: set[str] = set()
    for path in COMMITTED_SCHEMAS:
        _keywords(json.loads(path.read_text(encoding="utf-8")), used)
    explained = {case.keyword for case in CASES.values()} - {"multipleOf"}
    assert used - STRUCTURE - explained == set()


def _pattern_descriptions(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        if "pattern" in node and isinstance(node.get("description"), str):
            found.add(node["description"])
        for value in node.values():
            _pattern_descriptions(value, found)
    elif isinstance(node, list):
        for item in node:
            _pattern_descriptions(item, found)


def test_every_description_shown_beside_a_pattern_can_be_translated() -> None:
    found: set[str] = set()
    for path in COMMITTED_SCHEMAS:
        _pattern_descriptions(json.loads(path.read_text(encoding="utf-8")), found)
    assert found
    assert found <= set(SCHEMA_RULES) | set(SCHEMA_HINTS)


# --- Through the commands people run ------------------------------------------------------------

# No locale at all: only --language chooses.
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=NO_LOCALE)


@pytest.mark.django_db
def test_services_load_explains_a_too_long_name_in_the_chosen_language(tmp_path: Path) -> None:
    for code in DEPARTMENTS:
        DepartmentFactory(code=code)
    data = yaml.safe_load((SERVICES / "residence-permit-renewal.yaml").read_text(encoding="utf-8"))
    data["name"]["zh"] = "居" * 201
    path = tmp_path / "residence-permit-renewal.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "居居" in text)
    before = row_counts()

    chinese = run("services", "load", "--language", "zh-Hans", str(path))
    english = run("services", "load", "--language", "en", str(path))

    assert chinese.exit_code == english.exit_code == 1
    assert f"residence-permit-renewal.yaml: name.zh: 太长：最多 200 个字符（第 {line} 行）" in (
        chinese.output
    )
    assert "1 个问题；未写入任何内容。" in chinese.output
    assert (
        f"residence-permit-renewal.yaml: name.zh: is too long: at most 200 characters "
        f"(line {line})" in english.output
    )
    assert "1 problem; nothing was written." in english.output
    assert row_counts() == before
