"""Reading one data file: YAML without implicit dates, checked against its JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from yiwang.core.errors import LoadProblem

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: ``1990-06-01`` stays a string, as the schemas expect."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def format_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Problems:
    items: list[LoadProblem] = field(default_factory=list)

    def add(self, file: str, path: str, reason: str) -> None:
        self.items.append(LoadProblem(file=file, path=path, reason=reason))


def _schema_reason(error: Any) -> str:
    if (
        error.validator == "type"
        and error.validator_value == "string"
        and isinstance(error.instance, int | float | bool)
    ):
        return f"{error.instance!r} must be text; put it in quotes"
    if error.validator == "additionalProperties":
        return f"{error.message}; remove it or check its spelling"
    return str(error.message)


def read_file(
    data_dir: Path, name: str, problems: Problems, *, file: str | None = None
) -> dict[str, Any] | None:
    """Parse ``<name>.yaml`` (or ``file``, relative to ``data_dir``) and check it against
    ``schemas/<name>.schema.json``."""
    file = file or f"{name}.yaml"
    path = data_dir / file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(file, "", f"file not found in {data_dir}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(file, "", f"cannot be read: {exc}")
        return None
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.add(file, where, f"is not valid YAML: {reason}")
        return None
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        problems.add(file, format_path(error.absolute_path), _schema_reason(error))
    return None if errors else doc
