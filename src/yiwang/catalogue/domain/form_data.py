"""A form's fields with their references written out, form data typed for conditions, and
whether a CEL condition holds for a person's answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from yiwang.core.cel import ConditionEvaluationError, compile_condition

logger = logging.getLogger(__name__)


def form_fields(form: Mapping[str, Any] | None) -> dict[str, Any]:
    """The form's fields by name, each a JSON Schema with its references to the form's own
    definitions (``$ref: "#/$defs/address"``) written out in place.

    Everything that reads a field (the pages, answer checks, conditions, a bundle's merged
    form) then sees the whole field, and a bundle never mixes up two services' definitions of
    the same name. Keys beside a ``$ref`` (its ``x-title``, say) win over the definition's.
    """
    if not isinstance(form, Mapping):
        return {}
    props = form.get("properties")
    if not isinstance(props, Mapping):
        return {}
    if "$defs" not in form:  # references may point only into $defs (the loader checks)
        return dict(props)
    return {name: inline_refs(field, form, ()) for name, field in props.items()}


def json_pointer(document: Any, pointer: str) -> Any:
    """The part of ``document`` a JSON Pointer (``/$defs/address``) names, or None."""
    if pointer == "":
        return document
    node = document
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def inline_refs(node: Any, form: Mapping[str, Any], seen: tuple[str, ...]) -> Any:
    """``node`` with its references into ``form`` written out in place; ``seen`` holds the ones
    being followed, so a definition that refers to itself is not followed again."""
    if isinstance(node, list):
        return [inline_refs(v, form, seen) for v in node]
    if not isinstance(node, Mapping):
        return node
    own = {k: inline_refs(v, form, seen) for k, v in node.items() if k != "$ref"}
    ref = node.get("$ref")
    if not isinstance(ref, str) or ref in seen:
        return own  # no reference, or a definition inside itself: not followed again
    target = json_pointer(form, ref[1:]) if ref.startswith("#") else None
    if not isinstance(target, Mapping):
        return {**own, "$ref": ref}  # points at nothing or outside: the loader names it
    return {**inline_refs(target, form, (*seen, ref)), **own}


def typed_form_data(schema: Mapping[str, Any] | None, data: Any) -> Any:
    """Give numbers the type their field declares, so conditions behave the same for 300 and 300.0.

    JSON has one kind of number; CEL has ints and doubles and never mixes them in arithmetic.
    A ``number`` field always reaches a condition as a double and an ``integer`` field as an int.
    Empty answers (``None``) are dropped: an empty field is absent. So is an answer that is not
    of its field's type ("abc" for a number, a list with one for a text): checking the answers
    tells the person what is wrong with it, and until it is put right no condition reads it (it
    would fail to evaluate instead of being true or false).
    """
    typed = _typed(schema, data)
    return None if typed is _WRONG_TYPE else typed


_WRONG_TYPE = object()


def _typed(schema: Mapping[str, Any] | None, data: Any) -> Any:
    if not isinstance(schema, Mapping):
        return data
    kind = schema.get("type")
    if not isinstance(kind, str):  # no type, or several: nothing to hold the answer to
        return data
    if kind == "boolean":
        return data if isinstance(data, bool) else _WRONG_TYPE
    if isinstance(data, bool):  # True is an int to Python, not to JSON Schema
        return _WRONG_TYPE if kind in ("number", "integer", "string", "object", "array") else data
    if kind == "number":
        return float(data) if isinstance(data, int | float) else _WRONG_TYPE
    if kind == "integer":
        if isinstance(data, float) and data.is_integer():
            return int(data)
        return data if isinstance(data, int) else _WRONG_TYPE
    if kind == "string":
        return data if isinstance(data, str) else _WRONG_TYPE
    if kind == "object":
        if not isinstance(data, Mapping):
            return _WRONG_TYPE
        props = form_fields(schema)
        typed = {k: _typed(props.get(k), v) for k, v in data.items() if v is not None}
        return {k: v for k, v in typed.items() if v is not _WRONG_TYPE}
    if kind == "array":
        if not isinstance(data, list):
            return _WRONG_TYPE
        items = [_typed(schema.get("items"), v) for v in data]
        return _WRONG_TYPE if any(v is _WRONG_TYPE for v in items) else items
    return data


def condition_holds(
    condition: str | None, form_data: Mapping[str, Any], form_schema: Mapping[str, Any] | None
) -> bool:
    """True when there is no condition, or when it is true for this form data.

    A condition that reads a field the person left empty is false (see :mod:`yiwang.core.cel`);
    write ``!has(form.x)`` to ask for "x is empty".
    """
    if not condition:
        return True
    data = typed_form_data({"type": "object", **(form_schema or {})}, dict(form_data))
    return compile_condition(condition).evaluate(data)


def condition_applies(
    condition: str | None,
    form_data: Mapping[str, Any],
    form_schema: Mapping[str, Any] | None,
    *,
    service: str,
) -> bool:
    """:func:`condition_holds` for a person's application: a condition that cannot be evaluated
    counts as **true**, so nothing is skipped (a material is asked for, a step runs, a bundle's
    service applies) and the person's page still opens. The operator gets one error line naming
    the service and the condition, to have the definition corrected.

    The loader refuses conditions that fail on any answers (values of types that do not mix);
    what is left depends on the answers themselves, such as a division by zero.
    """
    try:
        return condition_holds(condition, form_data, form_schema)
    except ConditionEvaluationError as exc:
        log_failed_condition(service, condition, exc)
        return True


def log_failed_condition(service: str, condition: str | None, exc: Exception) -> None:
    logger.error(
        "condition of service %s could not be evaluated and counts as true: %r (%s)",
        service,
        condition,
        exc,
    )


def sample_form_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """A value of the right type for every field, to type-check a condition before it is used."""
    return {name: _sample(schema) for name, schema in form_fields(form).items()}


_SAMPLE_STRINGS = {
    "date": "2026-01-05",
    "date-time": "2026-01-05T09:00:00+08:00",
    "time": "09:00:00",
    "email": "someone@example.org",
    "uri": "https://example.org/",
}


def _sample(schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if kind == "string":
        return _SAMPLE_STRINGS.get(str(schema.get("format")), "text")
    if kind == "number":
        return 1.0
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return [_sample(schema.get("items"))]
    if kind == "object":
        return {name: _sample(sub) for name, sub in form_fields(schema).items()}
    return None
