"""The Django form of one page of questions: it renders them and reads back what was posted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.translation import gettext as _

from yiwang.applications.domain import coerce_answer
from yiwang.portal.forms.answers import as_text, value_at
from yiwang.portal.forms.materials import file_field, material_field
from yiwang.portal.forms.questions import (
    SEP,
    Question,
    fewest_items,
    html_name,
    item_schema,
    options,
)

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
                initial = as_text(question, value_at(answers, question.path))
                if initial is not None:
                    self.initial[question.name] = initial
        for material in self.materials:
            self.fields[material_field(material.code)] = file_field(material)

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
        if not index_text.isdigit() or int(index_text) >= count or count <= fewest_items(question):
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
            removable = len(question.children) > fewest_items(question)
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


def _expand(question: Question, data: Any, answers: Mapping[str, Any] | None) -> Question:
    """Show as many items of each list as were posted, or as the saved answer has."""
    if question.kind == "list":
        posted = data.get(question.count_name) if data is not None else None
        if isinstance(posted, str) and posted.strip().isdigit():
            count = int(posted)
        else:
            saved = value_at(answers or {}, question.path)
            count = max(len(saved) if isinstance(saved, list) else 0, fewest_items(question))
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
        return forms.ChoiceField(choices=options(schema), widget=forms.RadioSelect, **common)
    if kind == "select":
        choices = [("", _("Choose an option")), *options(schema)]
        return forms.ChoiceField(choices=choices, widget=forms.Select, **common)
    if kind == "yesno":
        return forms.ChoiceField(
            choices=[("true", _("Yes")), ("false", _("No"))], widget=forms.RadioSelect, **common
        )
    if kind == "checkboxes":
        items = schema.get("items", {})
        return forms.MultipleChoiceField(
            choices=options(items), widget=forms.CheckboxSelectMultiple, **common
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
        return [coerce_answer(item_schema(schema), line) for line in lines] or None
    return coerce_answer(schema, data.get(question.name))
