"""Forms built from a service's JSON Schema, one page at a time, and file forms for materials.

A definition's form is a JSON Schema with ``x-title``, ``x-hint`` and ``x-enum-titles`` for
people, and an order of pages. :func:`questions_for` turns the fields of one page into
:class:`Question` objects; :class:`SchemaPageForm` turns those into Django fields so that the
shell's ``includes/field.html`` can render each one with its label, hint and error.

Django forms only *render* and *read back* here. The rules (required, formats, limits) are checked
by the applications app against the schema (``save_draft``); its messages are put back on the
fields with :meth:`SchemaPageForm.set_errors`. That keeps one set of rules for the portal, the API
and submission, and the person always sees what they typed, wrong or not.

How a field is asked:

* ``string``: a text input, or a text area when it may be longer than
  :data:`TEXTAREA_ABOVE` characters; ``format: email``, ``date`` and ``uri`` use the matching
  input types and ``cn-mobile`` a telephone input;
* ``enum``: radio buttons when there are at most :data:`MAX_RADIOS` options, else a drop-down;
* ``boolean``: "Yes" and "No" radio buttons (a check box could not tell "no" from "not answered");
* ``integer`` and ``number``: a text input with a numeric keyboard, converted on the server (a
  ``type=number`` input silently drops what it cannot read);
* ``array`` of options: check boxes; ``array`` of groups (``items`` an ``object`` with
  ``properties``): one fieldset per item with its sub-fields, an "Add another" button and a
  "Remove" button per item (see :meth:`SchemaPageForm.change_items`); ``array`` of anything
  else: one item per line;
* ``object``: its sub-fields, grouped under the field's title.

A list of groups travels as ``staff-items`` (how many items are shown) and one input per part of
each item, ``staff__0__name``; the buttons are ordinary submits (``action=add:staff``,
``action=remove:staff:1``), so nothing needs JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.applications.domain import coerce_answer
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
        items = _items(self.schema)
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
            items = _items(schema)
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
        items = _items(self.schema)
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


def _items(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    items = schema.get("items")
    return items if isinstance(items, Mapping) else {}


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
        return plain.with_items(_fewest(plain))
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


def _options(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(option_value(v), option_title(schema, v)) for v in schema.get("enum", [])]


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
        between = "\n\n" if _items(schema).get("type") == "object" else "\n"
        return between.join(display_answer(_items(schema), item) for item in value)
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
    items = _items(question.schema)
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


def _as_text(question: Question, value: Any) -> Any:
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


# --- The page form ----------------------------------------------------------------------------


class SchemaPageForm(forms.Form):
    """Django fields for a page's questions and file inputs for materials.

    Rules are checked elsewhere (see the module doc); their messages come back through
    :meth:`set_errors` and :meth:`add_message`.
    """

    use_required_attribute = False  # the server checks; browsers' own bubbles are not accessible

    def __init__(
        self,
        questions: Sequence[Question],
        *,
        data: QueryDict | None = None,
        answers: Mapping[str, Any] | None = None,
        files: Any = None,
        materials: Sequence[Any] = (),
    ) -> None:
        super().__init__(data=data, files=files)
        self.questions = [_expand(q, data, answers) for q in questions]
        self.materials = list(materials)
        self._leaves = {q.name: q for question in self.questions for q in question.leaves()}
        self._extra_errors: dict[str, list[str]] = {}
        for question in self._leaves.values():
            self.fields[question.name] = _django_field(question)
            if answers is not None:
                initial = _as_text(question, value_at(answers, question.path))
                if initial is not None:
                    self.initial[question.name] = initial
        for material in self.materials:
            self.fields[material_field(material.code)] = _file_field(material)

    # Django's own cleaning would apply rules a second time, in other words; the schema decides.
    def full_clean(self) -> None:
        self.cleaned_data = {}
        self._errors = ErrorDict()
        for name, messages in self._extra_errors.items():
            self._errors[name] = self.error_class(messages, renderer=self.renderer)

    def set_errors(self, errors: Mapping[str, Iterable[str]]) -> None:
        """Put the schema's messages (keyed ``field``, ``field.sub`` or ``field.0``) on fields.

        A message for a group goes to its first sub-field, so the summary can link to it; one for
        something not on this page goes to the top of the form.
        """
        for key, messages in errors.items():
            target = self._field_for(key)
            bucket = self._extra_errors.setdefault(target, [])
            question = self._leaves.get(target)
            for message in messages:
                text = item_message(question, key, message)
                if text not in bucket:
                    bucket.append(text)
        self._errors = None  # type: ignore[assignment]  # recomputed by full_clean

    def add_material_error(self, code: str, message: str) -> None:
        name = material_field(code)
        target = name if name in self.fields else NON_FIELD_ERRORS
        bucket = self._extra_errors.setdefault(target, [])
        if message not in bucket:
            bucket.append(message)
        self._errors = None  # type: ignore[assignment]

    def _field_for(self, key: str) -> str:
        """The input a message belongs to: the part of the item itself (``staff__1__name``),
        else a line list's text area, else the first input of the group or list."""
        exact = html_name(key.split("."))
        if exact in self._leaves:
            return exact
        name = html_name([p for p in key.split(".") if not p.isdigit()])
        if name in self._leaves:
            return name
        for prefix in (exact, name):
            for leaf in self._leaves:
                if prefix and leaf.startswith(prefix + SEP):
                    return leaf
        return NON_FIELD_ERRORS

    def lists(self) -> dict[str, Question]:
        """The lists of groups on the page (inside items too), by HTML name."""
        found: dict[str, Question] = {}

        def walk(question: Question) -> None:
            if question.kind == "list":
                found[question.name] = question
            for child in question.children:
                walk(child)

        for question in self.questions:
            walk(question)
        return found

    def change_items(self, action: str) -> QueryDict | None:
        """The posted data with one more item (``add:<list>``) or one fewer
        (``remove:<list>:<index>``); ``None`` for any other action. The other items keep what
        was typed in them, moved up to fill the gap."""
        verb, _sep, rest = action.partition(":")
        if verb not in ("add", "remove") or self.data is None:
            return None
        target, _sep, index_text = rest.partition(":")
        question = self.lists().get(target)
        if question is None:
            return None
        count = len(question.children)
        changed = QueryDict(mutable=True)
        for key in self.data:
            posted = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
            changed.setlist(key, posted)
        if verb == "add":
            changed[question.count_name] = str(min(count + 1, question.max_items))
            return changed
        if not index_text.isdigit() or int(index_text) >= count or count <= _fewest(question):
            return changed
        gone = int(index_text)
        prefix = question.name + SEP
        moved = QueryDict(mutable=True)
        for key in changed:
            values = changed.getlist(key)
            if not key.startswith(prefix):
                moved.setlist(key, values)
                continue
            position, _sep, tail = key[len(prefix) :].partition(SEP)
            if not position.isdigit() or int(position) < gone:
                moved.setlist(key, values)
            elif int(position) > gone:
                moved.setlist(f"{prefix}{int(position) - 1}{SEP}{tail}", values)
        moved[question.count_name] = str(count - 1)
        return moved

    def answers(self) -> dict[str, Any]:
        """The posted answers as JSON values, one entry per top-level field (``None`` = empty)."""
        data = self.data
        return {q.top: _read(q, data) for q in self.questions}

    def uploaded(self) -> dict[str, Any]:
        """The files posted, by material code."""
        if not self.files:
            return {}
        found = {}
        for material in self.materials:
            uploaded = self.files.get(material_field(material.code))
            if uploaded:
                found[material.code] = uploaded
        return found

    def rows(self) -> list[dict[str, Any]]:
        """What the page template iterates: each question with its bound field or sub-rows."""
        return [self._row(q) for q in self.questions]

    def _row(self, question: Question) -> dict[str, Any]:
        if question.kind == "list":
            removable = len(question.children) > _fewest(question)
            return {
                "question": question,
                "list": True,
                "count": len(question.children),
                "can_add": len(question.children) < question.max_items,
                "items": [
                    {
                        "question": item,
                        "index": index,
                        "removable": removable,
                        "children": [self._row(child) for child in item.children],
                    }
                    for index, item in enumerate(question.children)
                ],
            }
        if question.children:
            return {
                "question": question,
                "group": True,
                "children": [self._row(child) for child in question.children],
            }
        return {"question": question, "group": False, "field": self[question.name]}

    def material_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "material": material,
                "field": self[material_field(material.code)],
                "upload": getattr(material, "upload", None),
            }
            for material in self.materials
        ]


def _fewest(question: Question) -> int:
    """A list never shows fewer items than it needs, nor fewer than one to type into."""
    return min(max(1, question.min_items), question.max_items)


def _expand(question: Question, data: Any, answers: Mapping[str, Any] | None) -> Question:
    """Show as many items of each list as were posted, or as the saved answer has."""
    if question.kind == "list":
        posted = data.get(question.count_name) if data is not None else None
        if isinstance(posted, str) and posted.strip().isdigit():
            count = int(posted)
        else:
            saved = value_at(answers or {}, question.path)
            count = max(len(saved) if isinstance(saved, list) else 0, _fewest(question))
        question = question.with_items(count)
    if not question.children:
        return question
    return replace(question, children=tuple(_expand(c, data, answers) for c in question.children))


def item_message(question: Question | None, key: str, message: str) -> str:
    """A message for a part of a list, saying which item (or line) it is about."""
    if question is None:
        return message
    text = specific_message(question, message)
    if question.item_title and "." in key:
        return _("%(item)s: %(problem)s") % {"item": question.item_title, "problem": text}
    position = next((p for p in key.split(".")[1:] if p.isdigit()), None)
    if question.kind == "lines" and position is not None:
        number = int(position) + 1
        return _("Line %(number)d: %(problem)s") % {"number": number, "problem": text}
    return text


def specific_message(question: Question, message: str) -> str:
    """A "required" message that says what to do with this question (GOV.UK style)."""
    if message != _("This field is required."):
        return message
    if question.kind in ("radios", "select", "yesno"):
        return _("Choose an answer to “%(question)s”.") % {"question": question.title}
    if question.kind == "checkboxes":
        return _("Choose at least one answer to “%(question)s”.") % {"question": question.title}
    return _("Enter “%(question)s”.") % {"question": question.title}


def _django_field(question: Question) -> forms.Field:
    schema = question.schema
    common: dict[str, Any] = {
        "label": question.title,
        "help_text": question.hint,
        "required": question.required,
    }
    kind = question.kind
    if kind == "radios":
        return forms.ChoiceField(choices=_options(schema), widget=forms.RadioSelect, **common)
    if kind == "select":
        choices = [("", _("Choose an option")), *_options(schema)]
        return forms.ChoiceField(choices=choices, widget=forms.Select, **common)
    if kind == "yesno":
        return forms.ChoiceField(
            choices=[("true", _("Yes")), ("false", _("No"))], widget=forms.RadioSelect, **common
        )
    if kind == "checkboxes":
        items = schema.get("items", {})
        return forms.MultipleChoiceField(
            choices=_options(items), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == "lines":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), **common)
    if kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), **common)
    if kind == "number":
        mode = "numeric" if schema.get("type") == "integer" else "decimal"
        attrs = {"inputmode": mode, "spellcheck": "false", "class": "input--narrow", "size": 12}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    return forms.CharField(widget=_text_widget(schema), **common)


def _text_widget(schema: Mapping[str, Any]) -> forms.Widget:
    fmt = schema.get("format")
    if fmt == "email":
        return forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"})
    if fmt == "date":
        return forms.DateInput(attrs={"type": "date", "class": "input--narrow"})
    if fmt == "uri":
        return forms.URLInput(attrs={"spellcheck": "false"})
    if fmt == "cn-mobile":
        return forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "class": "input--narrow", "size": 14}
        )
    if fmt in ("national-id", "uscc"):
        return forms.TextInput(
            attrs={"spellcheck": "false", "autocapitalize": "characters", "size": 20,
                   "class": "input--narrow"}
        )  # fmt: skip
    return forms.TextInput()


def _read(question: Question, data: Any) -> Any:
    if question.kind == "list":
        items = [_read(item, data) for item in question.children]
        while items and items[-1] is None:
            items.pop()  # empty items at the end are ones not used yet
        # An empty item between others keeps its place, so messages stay beside the right item.
        return [item if item is not None else {} for item in items] or None
    if question.children:
        parts = {child.path[-1]: _read(child, data) for child in question.children}
        kept = {k: v for k, v in parts.items() if v is not None}
        return kept or None
    schema = question.schema
    kind = question.kind
    if kind == "checkboxes":
        raw = data.getlist(question.name) if hasattr(data, "getlist") else []
        values = coerce_answer(schema, [r for r in raw if r != ""])
        return values or None
    if kind == "lines":
        text = data.get(question.name, "") or ""
        lines = [line.strip() for line in str(text).splitlines() if line.strip()]
        return [coerce_answer(_items(schema), line) for line in lines] or None
    return coerce_answer(schema, data.get(question.name))


# --- Materials --------------------------------------------------------------------------------


def accept_attribute(file_types: Iterable[Mapping[str, str]]) -> str:
    """The ``accept`` attribute: extensions and MIME types, so pickers offer the right files."""
    values: list[str] = []
    for file_type in file_types:
        for value in (file_type["extension"], file_type["mime_type"]):
            if value not in values:
                values.append(value)
    return ",".join(values)


def describe_file_types(file_types: Iterable[Mapping[str, str]]) -> str:
    names = []
    for file_type in file_types:
        name = file_type["extension"].lstrip(".").upper()
        if name not in names:
            names.append(name)
    return ", ".join(names)


def material_field(code: str) -> str:
    """The file input's name for a material; a hyphen keeps it apart from every field name."""
    return f"file-{code}"


def _file_field(material: Any) -> forms.FileField:
    accepted = _("Files you can use: %(types)s, up to %(size)s MB.") % {
        "types": describe_file_types(material.file_types),
        "size": number(material.max_size_mb),
    }
    upload = getattr(material, "upload", None)
    current = (
        _("You have uploaded %(name)s. Choose a new file only to replace it.")
        % {"name": upload.original_name}
        if upload is not None
        else ""
    )
    hint = sentences(pick(material.description), accepted, current)
    return forms.FileField(
        label=pick(material.name),
        help_text=hint,
        required=not material.optional,
        widget=forms.FileInput(attrs={"accept": accept_attribute(material.file_types)}),
    )
