"""Plausible answers to form fields, from ``answers.yaml`` or from the field's JSON Schema."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from yiwang.catalogue import domain as catalogue

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ANSWERS_FILE = DATA_DIR / "answers.yaml"


@cache
def answer_data() -> dict[str, Any]:
    with ANSWERS_FILE.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


@cache
def _names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    with (DATA_DIR / "names.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return (
        tuple(item.split(" ", 1)[0] for item in raw["surnames"]),
        tuple(item.split(" ", 1)[0] for item in raw["given"]),
    )


def _pattern(rng: random.Random, pattern: str) -> str:
    out = []
    for char in pattern:
        if char == "#":
            out.append(str(rng.randrange(10)))
        elif char == "@":
            out.append(chr(ord("A") + rng.randrange(26)))
        else:
            out.append(char)
    text = "".join(out)
    if "{name}" in text:
        surnames, given = _names()
        name = (
            rng.choice(surnames)
            + rng.choice(given)
            + (rng.choice(given) if rng.random() < 0.7 else "")
        )
        text = text.replace("{name}", name)
    return text


def _bounds(schema: Mapping[str, Any], span: float) -> tuple[float, float]:
    low = schema.get("minimum")
    if low is None:
        exclusive = schema.get("exclusiveMinimum")
        low = exclusive + 1 if exclusive is not None else 0
    high = schema.get("maximum")
    if high is None:
        exclusive = schema.get("exclusiveMaximum")
        high = exclusive - 1 if exclusive is not None else low + span
    return float(low), float(min(high, low + span))


def answer(
    name: str, schema: Mapping[str, Any], rng: random.Random, *, national_id: str, day: dt.date
) -> Any:
    """One plausible answer to a form field: from ``answers.yaml``, or from its JSON Schema."""
    given = answer_data().get("fields", {}).get(name)
    if isinstance(given, list) and given:
        return rng.choice(given)
    if isinstance(given, str):
        return _pattern(rng, given)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(list(schema["enum"]))
    kind = schema.get("type")
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        low, high = _bounds(schema, 50)
        return rng.randint(int(low), int(high))
    if kind == "number":
        low, high = _bounds(schema, 1000)
        return round(rng.uniform(low, high), 1)
    if kind == "object":
        props = catalogue.form_fields(schema)
        return {
            key: answer(key, sub, rng, national_id=national_id, day=day)
            for key, sub in props.items()
        }
    if kind == "array":
        return [answer(name, schema.get("items", {}), rng, national_id=national_id, day=day)]
    fmt = schema.get("format")
    if fmt == "date":
        return (day - dt.timedelta(days=rng.randint(1, 60))).isoformat()
    if fmt == "national-id":
        return national_id
    if fmt == "cn-mobile":
        return "1" + rng.choice("3456789") + "".join(str(rng.randrange(10)) for _ in range(9))
    title = schema.get("x-title") or {}
    text = str(title.get("zh") or name) if isinstance(title, Mapping) else str(title)
    text = f"{text}{rng.randint(1, 999)}"
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, len(text))))
    return (text + "〇" * max(0, low - len(text)))[:high]
