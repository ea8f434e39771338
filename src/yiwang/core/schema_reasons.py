"""Why a value breaks a definition file's JSON Schema, in words its author can act on.

jsonschema's own messages are English and written for programmers ("'x' is too long"). Every
keyword the committed schemas use has a reason here that says what is allowed, in the reader's
language; a test keeps the list complete when a schema starts using a new keyword.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext
from jsonschema.exceptions import ValidationError

PathParts = tuple[str | int, ...]


def leaf_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            # The alternative that got furthest explains the mistake best.
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            same_depth = [
                e for e in error.context if len(e.absolute_path) == len(deepest.absolute_path)
            ]
            if len(deepest.absolute_path) > len(error.absolute_path):
                yield from leaf_errors(same_depth)
                continue
        yield error


def _json_type(value: Any) -> str:
    if value is None:
        return _("empty (null)")
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, int):
        return _("a whole number")
    if isinstance(value, float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


# The ``description`` of each schema rule that has a ``pattern``: shown after "must be" when a
# value does not match, so they are marked here for the message catalogue.
SCHEMA_RULES = (
    gettext_noop(
        "a code: lower-case letters a-z and digits, words joined by '-' or '_', starting with a "
        "letter (e.g. 'food-licence')"
    ),
    gettext_noop(
        "a code: lower-case letters a-z and digits, words joined by '-' or '_', starting with a "
        "letter (e.g. 'open-a-restaurant')"
    ),
    gettext_noop(
        "a field name: lower-case letters a-z, digits and '_', starting with a letter "
        "(e.g. 'floor_area')"
    ),
    gettext_noop("a file name extension with its dot, in lower case, e.g. '.pdf'"),
    gettext_noop("a MIME type in lower case, e.g. 'application/pdf'"),
    gettext_noop("a three-letter ISO 4217 currency code in capitals, e.g. CNY"),
    gettext_noop("the code of the region (identity Region.code): letters, digits, '-' and '_'"),
)

# Other descriptions beside a ``pattern``: shown after it as a hint, in the reader's language.
SCHEMA_HINTS = (
    gettext_noop(
        "Where a value is in a JSON answer: keys separated by dots, list positions as numbers "
        "(data.person.names.0)."
    ),
    gettext_noop(
        "An https:// address (plain http only for 127.0.0.1 or localhost). No user name, "
        "password, query or fragment."
    ),
    gettext_noop(
        "Stable identifier: lower-case letters, digits and underscores, starting with a letter."
    ),
)


def _type_words() -> dict[str, str]:
    return {
        "object": _("a mapping (key: value)"),
        "array": _("a list"),
        "string": _("text"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "boolean": _("true or false"),
        "null": _("empty (null)"),
    }


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def explain(error: ValidationError) -> list[tuple[PathParts, str]]:
    """What a person should read for one JSON Schema error, and where it points.

    Every keyword the committed schemas use has its own reason here, saying what is allowed;
    jsonschema's own message is English and never shown.
    """
    path: PathParts = tuple(error.absolute_path)
    instance = error.instance
    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        # A key itself is wrong: point at the key, not at the mapping that holds it.
        return [((*path, instance), _name_reason(error, instance))]
    return _value_reasons(error, path)


def _rule_of(error: ValidationError) -> tuple[str | None, str | None]:
    """The schema's ``description`` as a rule read after "must be", or else as a hint."""
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if not isinstance(described, str) or not described:  # gettext('') is the header
        return None, None
    # Only a description written as a rule (SCHEMA_RULES) reads after "must be"; another one
    # (e.g. "Where a value is in a JSON answer: ...") is shown beside the pattern instead.
    if described in SCHEMA_RULES:
        return _(described), None
    return None, _(described)


def _name_reason(error: ValidationError, key: str) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "pattern":
        rule, _hint = _rule_of(error)
        message = _("%(key)s is not a valid name here: must be %(rule)s")
        return message % {"key": _show(key), "rule": rule or value}
    if kind == "maxLength":
        message = ngettext(
            "%(key)s is too long for a name here: at most %(count)d character",
            "%(key)s is too long for a name here: at most %(count)d characters",
            value,
        )
        return message % {"key": _show(key), "count": value}
    if kind == "minLength":
        message = ngettext(
            "%(key)s is too short for a name here: at least %(count)d character",
            "%(key)s is too short for a name here: at least %(count)d characters",
            value,
        )
        return message % {"key": _show(key), "count": value}
    reason = _value_reasons(error, ())[0][1]
    return _("%(key)s is not a valid name here: %(reason)s") % {"key": _show(key), "reason": reason}


def _value_reasons(error: ValidationError, path: PathParts) -> list[tuple[PathParts, str]]:
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "required" and isinstance(instance, dict):
        missing = [name for name in value if name not in instance]
        return [((*path, name), _("is missing; this key is required")) for name in missing]
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        return _unknown_keys(error, path, instance)
    reason = _reason(error)
    if reason is not None:
        return [(path, reason)]
    if kind == "not" and isinstance(value, dict) and set(value) == {"required"}:
        # ``else: {not: {required: [key]}}``: a key that belongs only with another setting.
        present = [n for n in value["required"] if isinstance(instance, dict) and n in instance]
        if present:
            reason = _("is not allowed here; this key goes only with other settings")
            return [((*path, name), reason) for name in present]
    if kind in ("anyOf", "oneOf") and error.context:
        return [(path, _alternatives_reason(error))]
    if kind == "not" or kind is None:  # ``not``, or a schema that is just ``false``
        return [(path, _("is not allowed here"))]
    rule = str(kind) if isinstance(value, (dict, list)) else f"{kind}: {_show(value)}"
    return [(path, _("does not meet the schema rule %(rule)s") % {"rule": rule})]


def _reason(error: ValidationError) -> str | None:
    """The reason for a keyword that judges one value, or None for the others."""
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "type":
        expected = value if isinstance(value, list) else [value]
        words = _(" or ").join(_type_words().get(str(t), str(t)) for t in expected)
        message = _("must be %(expected)s, not %(actual)s")
        return message % {"expected": words, "actual": _json_type(instance)}
    if kind == "enum":
        options = ", ".join(_show(v) for v in value)
        message = _("%(value)s is not allowed; use one of: %(options)s")
        return message % {"value": _show(instance), "options": options}
    if kind == "const":
        return _("must be %(value)s") % {"value": _show(value)}
    if kind == "minLength" and value == 1:
        return _("must not be empty")
    if kind == "minLength":
        message = ngettext(
            "is too short: at least %(count)d character",
            "is too short: at least %(count)d characters",
            value,
        )
        return message % {"count": value}
    if kind == "maxLength":
        message = ngettext(
            "is too long: at most %(count)d character",
            "is too long: at most %(count)d characters",
            value,
        )
        return message % {"count": value}
    if kind == "minItems":
        message = ngettext("needs at least %(count)d item", "needs at least %(count)d items", value)
        return message % {"count": value}
    if kind == "maxItems":
        message = ngettext(
            "may hold at most %(count)d item", "may hold at most %(count)d items", value
        )
        return message % {"count": value}
    if kind == "minProperties":
        message = ngettext("needs at least %(count)d key", "needs at least %(count)d keys", value)
        return message % {"count": value}
    if kind == "uniqueItems":
        return _("lists the same item more than once")
    if kind == "pattern":
        rule, hint = _rule_of(error)
        if hint:
            message = _("%(value)s is not valid: must match %(pattern)s; %(description)s")
            return message % {"value": _show(instance), "pattern": value, "description": hint}
        message = _("%(value)s is not valid: must be %(rule)s")
        return message % {"value": _show(instance), "rule": rule or value}
    if kind == "format":
        return _format_reason(value, instance)
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
        message = _("must be %(sign)s %(limit)s, not %(value)s")
        return message % {"sign": sign[kind], "limit": value, "value": instance}
    return None


def _format_reason(name: str, instance: Any) -> str:
    shown = _show(instance)
    if name == "regex" and isinstance(instance, str):
        try:
            re.compile(instance)
        except re.error as exc:
            message = _("%(value)s is not a valid regular expression: %(error)s")
            return message % {"value": shown, "error": exc}
    if name == "date":
        message = _(
            "%(value)s is not a valid date: write a day of the calendar as YYYY-MM-DD, "
            "e.g. 2026-03-01"
        )
        return message % {"value": shown}
    if name == "uri":
        message = _(
            "%(value)s is not a valid uri: write the whole address with its scheme, "
            "e.g. https://www.gov.cn/"
        )
        return message % {"value": shown}
    return _("%(value)s is not a valid %(format)s") % {"value": shown, "format": name}


def _alternatives_reason(error: ValidationError) -> str:
    """``anyOf``/``oneOf`` whose alternatives all fail at the value itself."""
    alternatives = error.validator_value
    if (
        error.validator == "anyOf"
        and isinstance(alternatives, list)
        and all(isinstance(a, dict) and set(a) == {"required"} for a in alternatives)
    ):
        # ``anyOf: [{required: [element]}, {required: [field]}]``: one of the keys is needed.
        keys = dict.fromkeys(name for a in alternatives for name in a["required"])
        return _("needs at least one of these keys: %(keys)s") % {"keys": ", ".join(keys)}
    reasons = dict.fromkeys(
        reason for alternative in error.context or () for _path, reason in explain(alternative)
    )
    return _("matches none of the allowed forms: %(reasons)s") % {"reasons": _parts().join(reasons)}


def _parts() -> str:
    """What joins two parts of one reason: "; " in English, "；" in Chinese."""
    return pgettext("between two parts of a reason", "; ")


def _unknown_keys(
    error: ValidationError, path: PathParts, instance: dict[str, Any]
) -> list[tuple[PathParts, str]]:
    allowed = sorted(error.schema.get("properties", {}))
    patterns = error.schema.get("patternProperties", {})
    extra = [k for k in instance if k not in allowed and not any(re.search(p, k) for p in patterns)]
    out: list[tuple[PathParts, str]] = []
    parts, sentences = _parts(), pgettext("between two sentences of a reason", ". ")
    for key in extra:
        reason = _("unknown key '%(key)s'") % {"key": key}
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            reason += parts + _("did you mean '%(key)s'?") % {"key": close[0]}
        if allowed:
            reason += parts + _("allowed keys here: %(keys)s") % {"keys": ", ".join(allowed)}
        if instance[key] is None:
            # ``{en: Size, colour}`` makes "colour" a key: the comma ended the text.
            reason += sentences + _(
                "If it was meant to be part of a text, put the whole text in quotes: inside { } "
                "a comma starts a new key"
            )
        out.append(((*path, key), reason))
    return out or [(path, _("holds a key that is not allowed here"))]
