"""The committed contracts in schemas/ are the ones the loader uses, and the examples meet them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from yiwang.catalogue.tests.conftest import SERVICES

ROOT = Path(__file__).resolve().parents[4]
PAIRS = [
    ("service-definition.schema.json", ROOT / "src/yiwang/catalogue/schemas"),
    ("bundle-definition.schema.json", ROOT / "src/yiwang/catalogue/schemas"),
    ("calendar.schema.json", ROOT / "src/yiwang/core/schemas"),
]


@pytest.mark.parametrize(("name", "package_dir"), PAIRS)
def test_committed_schema_is_the_one_in_use(name: str, package_dir: Path) -> None:
    committed = ROOT / "schemas" / name
    assert committed.read_bytes() == (package_dir / name).read_bytes(), (
        f"schemas/{name} differs from {package_dir / name}: copy the package file over it"
    )
    Draft202012Validator.check_schema(json.loads(committed.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", sorted(SERVICES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_meet_the_committed_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    name = f"{data['kind']}-definition.schema.json"
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(data))
    assert errors == []


def test_every_pattern_rule_can_be_translated() -> None:
    """The descriptions shown as "must be ..." are listed for the message catalogue."""
    from yiwang.core.schema_reasons import SCHEMA_RULES

    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "pattern" in node and "description" in node:
                found.add(node["description"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name, _ in PAIRS:
        walk(json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8")))
    assert found <= set(SCHEMA_RULES)
