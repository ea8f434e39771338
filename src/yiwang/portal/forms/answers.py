"""Answers shown back to people: as text, by path, and list items part by part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from yiwang.portal.forms.questions import Question, item_schema, option_title, option_value
from yiwang.portal.text import number, pick

# --- Showing answers --------------------------------------------------------------------------


def display_answer(schema: Mapping[str, Any], value: Any) -> str:
    """An answer as the person should read it back (option titles, "Yes"/"No", items)."""
    if value is None or value == "" or value == []:
        return ""
    kind = schema.get("type")
    if isinstance(value, bool) and kind == "boolean":
        return _("Yes") if value else _("No")
    if isinstance(schema.get("enum"), list):
        return option_title(schema, value)
    if kind == "array" and isinstance(value, list):
        # Items of a list of groups take several lines each: a blank line keeps them apart.
        between = "\n\n" if item_schema(schema).get("type") == "object" else "\n"
        return between.join(display_answer(item_schema(schema), item) for item in value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, Mapping):
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        parts = []
        for key, item in value.items():
            sub = props.get(key)
            sub = sub if isinstance(sub, Mapping) else {}
            parts.append(f"{pick(sub.get('x-title')) or key}: {display_answer(sub, item)}")
        return "\n".join(parts)
    return str(value)


def value_at(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The answer at ``path``; a digit is the position of an item in a list."""
    node: Any = data
    for part in path:
        if isinstance(node, list) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node


def item_blocks(question: Question, value: Any) -> list[list[dict[str, str]]]:
    """A list of groups' answer as one block per item, each part with its title and answer."""
    if question.kind != "list" or not isinstance(value, list):
        return []
    items = item_schema(question.schema)
    props: Mapping[str, Any] = {}
    if isinstance(items.get("properties"), Mapping):
        props = items["properties"]
    blocks = []
    for item in value:
        item = item if isinstance(item, Mapping) else {}
        parts = []
        for name, sub in props.items():
            shown = display_answer(sub, item.get(name))
            if shown:
                parts.append({"title": pick(sub.get("x-title")) or name, "answer": shown})
        blocks.append(parts)
    return blocks


def as_text(question: Question, value: Any) -> Any:
    """A stored answer as the initial value of its input."""
    if value is None:
        return None
    kind = question.kind
    if kind == "checkboxes":
        return [option_value(v) for v in value] if isinstance(value, list) else []
    if kind == "lines":
        return "\n".join(option_value(v) for v in value) if isinstance(value, list) else value
    if kind in ("radios", "select", "yesno", "number"):
        return option_value(value)
    return value
