"""Answers: text posted by an HTML form as the field's type (:func:`coerce_answer`), answers
checked against the form (:func:`validate_answers`), and what is wrong said as a plain sentence
in the active language (:func:`error_message`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yiwang.applications.domain.forms import FormSpec
from yiwang.catalogue import domain as catalogue
from yiwang.core.form_fields import has_control_character, holds_lone_surrogate
from yiwang.core.language import pick
from yiwang.identity.domain import IdentifierError

_TRUE = {"true", "yes", "on", "1", "是"}
_FALSE = {"false", "no", "off", "0", "否"}


def coerce_answer(schema: Mapping[str, Any], raw: Any) -> Any:
    """Turn what an HTML form posts (text) into the JSON type the field declares.

    Text that cannot be read as the type is returned unchanged, so that validation reports it
    ("enter a whole number") instead of it silently disappearing. Blank text becomes ``None``.
    """
    if isinstance(raw, list):
        items = schema.get("items", {}) if isinstance(schema, Mapping) else {}
        return [coerce_answer(items, item) for item in raw]
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if text == "":
        return None
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if kind == "integer":
        if re.fullmatch(r"[+-]?\d+", text):
            try:
                return int(text)
            except ValueError:  # more digits than Python reads (thousands): no number anyone means
                return text
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
        return text
    if kind == "number":
        if "_" in text:  # Python reads 1_000 as a thousand; people do not write numbers so
            return text
        try:
            number = float(text)
        except ValueError:
            return text
        if not math.isfinite(number):
            return text
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return text
    return text if kind == "string" else raw


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _non_finite(leaf: Any) -> bool:
    return isinstance(leaf, float) and not math.isfinite(leaf)


def _not_text(leaf: Any) -> bool:
    """A string holding NUL, or half of a UTF-16 surrogate pair (not a character: it cannot be
    written as UTF-8, so no page or database can hold it)."""
    return isinstance(leaf, str) and ("\x00" in leaf or holds_lone_surrogate(leaf))


def answer_problem(value: Any) -> str | None:
    """What makes an answer unusable whatever the question: a control character (the forms'
    rule, :func:`yiwang.core.form_fields.has_control_character`, and NUL), or a number JSON
    cannot hold (infinite, not a number). None for every other answer."""
    for leaf in _leaves(value):
        if _not_text(leaf) or (isinstance(leaf, str) and has_control_character(leaf)):
            return _(
                "This answer contains a control character (such as NUL or ESC), which cannot be "
                "kept: type the answer again without it."
            )
        if _non_finite(leaf):
            return _("Enter a number: infinity and NaN are not numbers an answer can hold.")
    return None


def storable(value: Any) -> bool:
    """Whether the database can hold this answer as it is: no NUL (PostgreSQL's JSON has no
    place for it) nor lone surrogate, only finite numbers."""
    return not any(_not_text(leaf) or _non_finite(leaf) for leaf in _leaves(value))


@cache
def _format_checker() -> Any:
    return catalogue.form_format_checker()


def validate_answers(
    spec: FormSpec,
    data: Mapping[str, Any],
    *,
    fields: Iterable[str] | None = None,
    required: Iterable[str] = (),
) -> dict[str, list[str]]:
    """Check answers against the form's JSON Schema (Draft 2020-12, formats checked).

    Only ``fields`` (default: all) are checked, and of ``required`` only those among them.
    Returns messages in the active language keyed by field name (``field.sub``, ``field.0`` or
    ``field.0.sub`` for parts of lists and groups; a missing part is keyed by the part itself);
    a field not in the form is reported too.
    """
    properties = spec.fields
    names = list(properties) if fields is None else list(dict.fromkeys(fields))
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in properties:
            errors.setdefault(name, []).append(_("This question is not part of the form."))
    checked = [n for n in names if n in properties]
    schema = {
        "type": "object",
        "properties": {n: properties[n] for n in checked},
        "required": [n for n in dict.fromkeys(required) if n in checked],
    }
    answers = {k: v for k, v in data.items() if k in checked}
    for name, value in list(answers.items()):
        problem = answer_problem(value)
        if problem is not None:
            _add(errors, name, problem)
            del answers[name]
            schema["required"] = [n for n in schema["required"] if n != name]
    validator = Draft202012Validator(schema, format_checker=_format_checker())
    for error in sorted(validator.iter_errors(answers), key=lambda e: list(e.absolute_path)):
        where = [str(p) for p in error.absolute_path]
        if error.validator == "required":
            # Beside the missing part itself (``staff.1.name``), not the group holding it.
            for missing in error.validator_value:
                if isinstance(error.instance, Mapping) and missing not in error.instance:
                    _add(errors, ".".join([*where, str(missing)]), _("This field is required."))
            continue
        key = ".".join(where) or "__all__"
        _add(errors, key, error_message(error))
    return errors


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    messages = errors.setdefault(key, [])
    if message not in messages:
        messages.append(message)


def format_number(value: Any) -> str:
    """A limit as people write it: 300.0 becomes "300"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_FORMAT_MESSAGES: dict[str, Callable[[], str]] = {
    "email": lambda: _("Enter an e-mail address like name@example.org."),
    "date": lambda: _("Enter a real date in the form 2026-01-31."),
    "date-time": lambda: _("Enter a date and time in the form 2026-01-31T09:30:00+08:00."),
    "time": lambda: _("Enter a time in the form 09:30:00."),
    "uri": lambda: _("Enter a web address like https://example.org/."),
    "national-id": lambda: _("Enter a valid 18-character citizen ID number."),
    "uscc": lambda: _("Enter a valid 18-character unified social credit code."),
    "cn-mobile": lambda: _("Enter an 11-digit mobile number starting with 1."),
    "bank-account": lambda: _("Enter the bank account number: 12 to 19 digits."),
}

_TYPE_MESSAGES: dict[str, Callable[[], str]] = {
    "integer": lambda: _("Enter a whole number."),
    "number": lambda: _("Enter a number."),
    "boolean": lambda: _("Choose yes or no."),
    "string": lambda: _("Enter text."),
    "array": lambda: _("Choose one or more of the options."),
    "object": lambda: _("Fill in the parts of this answer."),
}


def error_message(error: ValidationError) -> str:
    """One JSON Schema error as a plain sentence in the active language."""
    keyword = error.validator
    limit = error.validator_value
    if keyword == "required":
        return _("This field is required.")
    if keyword == "minLength":
        if limit == 1:
            return _("This field is required.")
        return ngettext(
            "Enter at least %(limit)d character.", "Enter at least %(limit)d characters.", limit
        ) % {"limit": limit}
    if keyword == "maxLength":
        return ngettext(
            "Enter no more than %(limit)d character.",
            "Enter no more than %(limit)d characters.",
            limit,
        ) % {"limit": limit}
    if keyword == "pattern":
        return _("Enter the answer in the format asked for.")
    if keyword == "format":
        if isinstance(error.cause, IdentifierError) and error.cause.kind:
            return error.cause.message  # exactly what is wrong with the number, said by identity
        message = _FORMAT_MESSAGES.get(str(limit))
        return message() if message else _("Enter the answer in the format asked for.")
    if keyword == "minimum":
        return _("Enter a number of %(limit)s or more.") % {"limit": format_number(limit)}
    if keyword == "exclusiveMinimum":
        return _("Enter a number greater than %(limit)s.") % {"limit": format_number(limit)}
    if keyword == "maximum":
        return _("Enter a number of %(limit)s or less.") % {"limit": format_number(limit)}
    if keyword == "exclusiveMaximum":
        return _("Enter a number less than %(limit)s.") % {"limit": format_number(limit)}
    if keyword == "multipleOf":
        return _("Enter a multiple of %(limit)s.") % {"limit": format_number(limit)}
    if keyword == "const" and limit is True:  # a box to tick: a declaration or commitment
        return _("Answer yes to go on: the application cannot be made without it.")
    if keyword in ("enum", "const"):
        return _("Choose one of the options given.")
    if keyword == "type":
        kinds = [limit] if isinstance(limit, str) else list(limit)
        if kinds and kinds[0] in ("integer", "number") and _too_large(error.instance):
            return _("This number is too large to work with: enter a smaller one.")
        message = _TYPE_MESSAGES.get(str(kinds[0])) if kinds else None
        return message() if message else _("This answer is not accepted.")
    if keyword in ("minItems", "maxItems"):
        return _items_message(keyword, limit, error.schema)
    if keyword == "uniqueItems":
        return _("Give each answer only once.")
    return _("This answer is not accepted.")


# Digits, perhaps signed, perhaps with a fraction or an exponent: a number as people write it.
_NUMERAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _too_large(instance: Any) -> bool:
    """Whether a refused answer is a number written in full that no number type holds (more
    digits than Python reads, or past the largest float), rather than something else."""
    if not isinstance(instance, str) or not _NUMERAL.fullmatch(instance.strip()):
        return False
    try:
        return not math.isfinite(float(instance))
    except ValueError:
        return False


def _items_message(keyword: str, limit: int, schema: Any) -> str:
    """Too few or too many items of a list. Check boxes are chosen; the items of any other list
    (groups, lines) are added by the person, so the message says so and names the list."""
    schema = schema if isinstance(schema, Mapping) else {}
    items = schema.get("items")
    if isinstance(items, Mapping) and isinstance(items.get("enum"), list):
        if keyword == "minItems":
            return ngettext(
                "Choose at least %(limit)d item.", "Choose at least %(limit)d items.", limit
            ) % {"limit": limit}
        return ngettext(
            "Choose no more than %(limit)d item.", "Choose no more than %(limit)d items.", limit
        ) % {"limit": limit}
    title = _title(schema.get("x-title"))
    if keyword == "minItems":
        if title:
            return ngettext(
                "Add at least %(limit)d entry to “%(list)s”.",
                "Add at least %(limit)d entries to “%(list)s”.",
                limit,
            ) % {"limit": limit, "list": title}
        return ngettext(
            "Add at least %(limit)d entry.", "Add at least %(limit)d entries.", limit
        ) % {"limit": limit}
    if title:
        return ngettext(
            "Give no more than %(limit)d entry for “%(list)s”.",
            "Give no more than %(limit)d entries for “%(list)s”.",
            limit,
        ) % {"limit": limit, "list": title}
    return ngettext(
        "Give no more than %(limit)d entry.", "Give no more than %(limit)d entries.", limit
    ) % {"limit": limit}


def _title(text: Any) -> str:
    """A form's ``x-title`` (``{zh, en}`` or plain text) in the reader's language."""
    if isinstance(text, Mapping):
        return pick(str(text.get("zh") or ""), str(text.get("en") or "")) or str(
            text.get("en") or ""
        )
    return str(text) if text else ""
