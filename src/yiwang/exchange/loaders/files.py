"""Reading definition files: YAML without implicit dates, checked against the JSON Schemas."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from yiwang.core.errors import LoadProblem

# Shipped inside the package so an installed yiwang can load files; the same files are the
# committed contracts in the repository's schemas/ folder (a test keeps the two identical).
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMAS = {
    "elements": "data-element.schema.json",
    "registries": "registry.schema.json",
    "agreements": "agreement.schema.json",
}
# Top-level keys and the kind of file they make.
KEYS = {
    "elements": "elements",
    "registries": "registries",
    "purposes": "agreements",
    "agreements": "agreements",
}


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: ``2026-01-01`` stays a string, as the schemas expect."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / SCHEMAS[kind]).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def format_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _schema_reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "format" and error.validator_value == "regex":
        try:
            re.compile(error.instance)
        except re.error as exc:
            return f"not a valid regular expression: {exc}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra and allowed:
            return (
                f"unknown key(s) {', '.join(map(repr, extra))}; allowed: "
                f"{', '.join(sorted(allowed))}"
            )
    return error.message


@dataclass
class Document:
    file: str
    kind: str
    data: dict[str, Any]


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories become their *.yaml / *.yml files, recursively, sorted."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            out.append(path)
    return out


def parse(files: Iterable[Path]) -> tuple[list[Document], list[LoadProblem]]:
    docs: list[Document] = []
    problems: list[LoadProblem] = []
    for path in files:
        name = str(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
        except OSError as exc:
            problems.append(LoadProblem(name, "", f"cannot read the file: {exc.strerror}"))
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problems.append(
                LoadProblem(
                    name, "", f"not valid YAML: {where}{getattr(exc, 'problem', None) or exc}"
                )
            )
            continue
        if not isinstance(data, dict) or not data:
            problems.append(
                LoadProblem(
                    name,
                    "",
                    "expected a mapping with one of the keys "
                    "elements, registries, purposes, agreements",
                )
            )
            continue
        kinds = {KEYS.get(key) for key in data}
        if None in kinds:
            unknown = sorted(k for k in data if k not in KEYS)
            problems.append(
                LoadProblem(
                    name,
                    unknown[0],
                    "unknown top-level key; expected elements, registries, purposes or agreements",
                )
            )
            continue
        if len(kinds) > 1:
            problems.append(
                LoadProblem(
                    name,
                    "",
                    "a file holds one kind of definition: "
                    "elements, registries, or purposes and agreements",
                )
            )
            continue
        kind = kinds.pop()
        assert kind is not None
        errors = sorted(validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path))
        for error in errors:
            problems.append(
                LoadProblem(name, format_path(error.absolute_path), _schema_reason(error))
            )
        if not errors:
            docs.append(Document(name, kind, data))
    return docs, problems
