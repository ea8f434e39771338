"""docs/services.md is enough to write a definition: its examples load, its conditions compile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from yiwang.audit.actors import system_actor
from yiwang.catalogue import services, validation
from yiwang.core.calendar_loader import load_calendar_files
from yiwang.core.definition_files import parse_yaml

GUIDE = Path(__file__).resolve().parents[4] / "docs" / "services.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def _block_starting(prefix: str) -> str:
    return next(b for b in _yaml_blocks() if b.startswith(prefix))


@pytest.mark.django_db
def test_the_complete_example_in_the_guide_loads(departments: Any, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(_block_starting("kind: service"), encoding="utf-8")
    report = services.load_definitions([path], actor=system_actor("test"))
    assert [(o.code, o.action) for o in report.outcomes] == [
        ("residence-permit-renewal", "created")
    ]


@pytest.mark.django_db
def test_the_bundle_example_in_the_guide_loads_with_its_services(
    departments: Any, examples: Path
) -> None:
    (examples / "open-a-shop.yaml").write_text(_block_starting("kind: bundle"), encoding="utf-8")
    report = services.load_definitions([examples], actor=system_actor("test"))
    assert ("open-a-shop", "created") in [(o.code, o.action) for o in report.outcomes]


@pytest.mark.django_db
def test_the_calendar_example_in_the_guide_loads(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(_block_starting("kind: calendar"), encoding="utf-8")
    report = load_calendar_files([path], actor=system_actor("test"))
    assert report.loaded == [("CN", 2026, 10)]


def test_every_condition_in_the_guide_compiles_against_a_matching_form() -> None:
    block = next(b for b in _yaml_blocks() if b.startswith("condition: form.floor_area"))
    conditions = [yaml.safe_load(line)["condition"] for line in block.splitlines() if line]
    assert len(conditions) >= 10

    def field(kind: str, **extra: Any) -> dict[str, Any]:
        return {"type": kind, "x-title": {"zh": "字段", "en": "Field"}, **extra}

    form = {
        "type": "object",
        "properties": {
            "floor_area": field("number"),
            "residence_basis": field("string"),
            "illuminated": field("boolean"),
            "mounting": field("string"),
            "width_m": field("number"),
            "height_m": field("number"),
            "staff_count": field("integer"),
            "hires_staff": field("boolean"),
            "delivery": field("string"),
            "employer_name": field("string"),
            "postal_address": field("string"),
            "premises": field("object", properties={"floor_area": field("number")}),
            "staff": field(
                "array", items={"type": "object", "properties": {"age": field("integer")}}
            ),
            "business_name": field("string"),
            "residence_since": field("string", format="date"),
        },
    }
    doc = parse_yaml("a: 1", "guide")
    for condition in conditions:
        assert validation.check_condition(doc, ("condition",), condition, form) == [], condition


def test_field_and_snippet_examples_are_valid_yaml() -> None:
    for block in _yaml_blocks():
        yaml.safe_load(block)  # every snippet a reader may copy parses


@pytest.mark.django_db
def test_the_guides_rules_for_fields_required_only_sometimes_load_and_hold(
    departments: Any, tmp_path: Path
) -> None:
    from yiwang.catalogue import domain

    example = yaml.safe_load(_block_starting("kind: service"))
    form = yaml.safe_load(_block_starting("form:\n  type: object\n  required: [card_delivery]"))
    # The guide's complete example asks for the address and the employer already.
    rules = form["form"]
    new = [name for name in rules["properties"] if name not in example["form"]["properties"]]
    example["form"]["properties"].update(rules["properties"])
    example["form"]["pages"].append({**rules["pages"][0], "fields": new})
    for key in ("if", "then", "dependentRequired"):
        example["form"][key] = rules[key]
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(example, allow_unicode=True), encoding="utf-8")
    report = services.load_definitions([path], actor=system_actor("test"))
    assert [o.action for o in report.outcomes] == ["created"]

    assert domain.conditionally_required(rules, {"card_delivery": "post"}) == ["postal_address"]
    assert domain.conditionally_required(rules, {"card_delivery": "collect"}) == []
    assert domain.conditionally_required(rules, {"employer_name": "Plum"}) == ["employer_phone"]
