"""The questions of one page of a service's form, built from its JSON Schema, and the options
of a choice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.portal.text import number, pick, sentences

# Texts longer than this get a text area instead of a one-line input.
TEXTAREA_ABOVE = 200
# More options than this are offered in a drop-down instead of radio buttons.
MAX_RADIOS = 5
# Separates the parts of a nested field's name in HTML (``address__city``).
SEP = "__"
# The portal shows at most this many items of a list, whatever its maxItems: every item is a set
# of inputs, and the count comes back from the browser.
MAX_LIST_ITEMS = 200

_FORMAT_HINTS = {
    "date-time": gettext_lazy("For example, 2026-01-31T09:30:00+08:00"),
    "time": gettext_lazy("For example, 09:30:00+08:00"),
}


def html_name(path: Sequence[str]) -> str:
    return SEP.join(path)


@dataclass(frozen=True)
class Question:
    """One question of a page: a field to answer, or a group (an ``object`` field) of them."""

    path: tuple[str, ...]
    schema: Mapping[str, Any]
    required: bool
    children: tuple[Question, ...] = field(default=())
    # Not required now, but some answers make it so: not labelled "(optional)".
    sometimes: bool = False
    # An item of a list of groups has its number (1, 2, ...) and what an item is called; the
    # parts of an item carry the item's title ("Member of staff 2") in ``item_title``.
    position: int = 0
    item_title: str = ""

    @property
    def name(self) -> str:
        return html_name(self.path)

    @property
    def top(self) -> str:
        return self.path[0]

    @property
    def title(self) -> str:
        if self.position:
            return _("%(title)s %(number)d") % {"title": self.item_title, "number": self.position}
        return pick(self.schema.get("x-title")) or self.path[-1]

    @property
    def item_name(self) -> str:
        """What one item of a list is called: the items' title, else the list's."""
        items = item_schema(self.schema)
        return pick(items.get("x-title")) or pick(self.schema.get("x-title")) or self.path[-1]

    @property
    def hint(self) -> str:
        hint = pick(self.schema.get("x-hint"))
        extra = str(_FORMAT_HINTS.get(str(self.schema.get("format")), ""))
        if self.kind == "lines":
            extra = _("Write each item on its own line.")
        return sentences(hint, extra)

    @property
    def is_group(self) -> bool:
        return self.schema.get("type") == "object"

    @property
    def kind(self) -> str:
        """How the question is asked: text, textarea, radios, select, yesno, checkboxes, lines,
        number, group."""
        schema = self.schema
        kind = schema.get("type")
        if kind == "object":
            return "group"
        if kind == "array":
            items = item_schema(schema)
            if isinstance(items.get("enum"), list):
                return "checkboxes"
            if items.get("type") == "object" and isinstance(items.get("properties"), Mapping):
                return "list"
            return "lines"
        if isinstance(schema.get("enum"), list):
            return "radios" if len(schema["enum"]) <= MAX_RADIOS else "select"
        if kind == "boolean":
            return "yesno"
        if kind in ("integer", "number"):
            return "number"
        max_length = schema.get("maxLength")
        if isinstance(max_length, int) and max_length > TEXTAREA_ABOVE:
            return "textarea"
        return "text"

    @property
    def anchor(self) -> str:
        """The id a link to this question points at: the control, or a group's first input."""
        first = self.leaves()[0]
        suffix = "_0" if first.kind in ("radios", "yesno", "checkboxes") else ""
        return f"id_{first.name}{suffix}"

    @property
    def inline(self) -> bool:
        return self.kind == "yesno"

    def leaves(self) -> list[Question]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    @property
    def count_name(self) -> str:
        """The hidden input saying how many items of a list are shown."""
        return f"{self.name}-items"

    @property
    def min_items(self) -> int:
        value = self.schema.get("minItems")
        return value if isinstance(value, int) and value > 0 else 0

    @property
    def max_items(self) -> int:
        value = self.schema.get("maxItems")
        limit = value if isinstance(value, int) and value >= 0 else MAX_LIST_ITEMS
        return min(limit, MAX_LIST_ITEMS)

    def with_items(self, count: int) -> Question:
        """A list of groups showing ``count`` items (and lists inside them showing one)."""
        count = max(0, min(count, self.max_items))
        items = item_schema(self.schema)
        inner = set(items.get("required", []))
        shown = []
        for index in range(count):
            path = (*self.path, str(index))
            item = Question(path, items, True, position=index + 1, item_title=self.item_name)
            parts = tuple(
                _in_item(_question((*path, name), sub, name in inner), item.title)
                for name, sub in items["properties"].items()
            )
            shown.append(replace(item, children=parts))
        return replace(self, children=tuple(shown))

    def find(self, name: str) -> Question | None:
        """The question (this one or inside it) whose HTML name is ``name``."""
        if self.name == name:
            return self
        for child in self.children:
            found = child.find(name)
            if found is not None:
                return found
        return None


def _in_item(question: Question, item_title: str) -> Question:
    if question.kind == "list":
        return question  # a list inside an item names its own items
    children = tuple(_in_item(child, item_title) for child in question.children)
    return replace(question, children=children, item_title=item_title)


def item_schema(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    items = schema.get("items")
    return items if isinstance(items, Mapping) else {}


def fewest_items(question: Question) -> int:
    """A list never shows fewer items than it needs, nor fewer than one to type into."""
    return min(max(1, question.min_items), question.max_items)


def questions_for(
    fields: Iterable[str],
    properties: Mapping[str, Any],
    required: Iterable[str],
    sometimes: Iterable[str] = (),
) -> list[Question]:
    """The questions for the named fields of a form, in the order given; ``sometimes`` names
    fields that are not required now but some answers would make so."""
    wanted, maybe = set(required), set(sometimes)
    questions = []
    for name in fields:
        if name not in properties:
            continue
        question = _question((name,), properties[name], name in wanted)
        if name in maybe and name not in wanted:
            question = replace(question, sometimes=True)
        questions.append(question)
    return questions


def _question(path: tuple[str, ...], schema: Mapping[str, Any], required: bool) -> Question:
    plain = Question(path, schema, required)
    if plain.kind == "list":
        return plain.with_items(fewest_items(plain))
    if schema.get("type") == "object" and isinstance(schema.get("properties"), Mapping):
        inner = set(schema.get("required", []))
        children = tuple(
            _question((*path, name), sub, name in inner)
            for name, sub in schema["properties"].items()
        )
        return Question(path, schema, required, children)
    return Question(path, schema, required)


# --- Options ----------------------------------------------------------------------------------


def option_value(value: Any) -> str:
    """An enum value as it travels in HTML (``True`` → ``"true"``, ``2.0`` → ``"2"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    return str(value)


def option_title(schema: Mapping[str, Any], value: Any) -> str:
    titles = schema.get("x-enum-titles")
    if isinstance(titles, Mapping):
        title = titles.get(option_value(value))
        if title is not None:
            return pick(title)
    return option_value(value)


def options(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(option_value(v), option_title(schema, v)) for v in schema.get("enum", [])]
