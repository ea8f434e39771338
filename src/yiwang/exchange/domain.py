"""Pure functions of the exchange: checking values against data elements, masking, subject keys.

Nothing here touches the database, so forms, loaders, the read path and tests share the exact
same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_noop

from yiwang.core.form_fields import has_control_character
from yiwang.exchange.constants import ElementType, Masking, SubjectKind
from yiwang.exchange.types import ElementSpec
from yiwang.identity import domain as identity_domain

# --- Values ---------------------------------------------------------------------------------

# English message templates, marked for the catalogue and translated when shown (see
# ValueProblem.message), so this module stays free of request state.
_MESSAGES = {
    "required": gettext_noop("Enter a value."),
    "text": gettext_noop("Enter text."),
    # The forms' wording (yiwang.core.form_fields, ADR 19): one rule for every text kept.
    "control": gettext_noop(
        "Remove the control character (such as ESC or a backspace) from this text: it cannot "
        "be typed and would not show."
    ),
    "unknown_field": gettext_noop("There is no such field."),
    "integer": gettext_noop("Enter a whole number."),
    "decimal": gettext_noop("Enter a number."),
    "boolean": gettext_noop("Enter yes or no (true or false)."),
    "date": gettext_noop("Enter a date as YYYY-MM-DD."),
    "datetime": gettext_noop(
        "Enter a date and time as YYYY-MM-DDTHH:MM:SS with a time zone offset."
    ),
    "timezone": gettext_noop("Enter a date and time with a time zone offset."),
    "pattern": gettext_noop("Enter a value in the expected format."),
    "choice": gettext_noop("Choose one of the listed values."),
    "min_length": gettext_noop("Enter at least %(limit)s characters."),
    "max_length": gettext_noop("Enter at most %(limit)s characters."),
    "minimum": gettext_noop("Enter a value of at least %(limit)s."),
    "maximum": gettext_noop("Enter a value of at most %(limit)s."),
}


@dataclass(frozen=True)
class ValueProblem:
    """Why a value does not fit an element: a stable ``code`` and a message for people."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        from django.utils.translation import gettext

        return gettext(_MESSAGES[self.code]) % dict(self.params)

    def __str__(self) -> str:
        return _MESSAGES[self.code] % dict(self.params)


class ValueInvalid(ValueError):
    def __init__(self, problem: ValueProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _as_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueInvalid(ValueProblem("integer"))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    raise ValueInvalid(ValueProblem("integer"))


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueInvalid(ValueProblem("decimal"))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueInvalid(ValueProblem("decimal")) from None
    else:
        raise ValueInvalid(ValueProblem("decimal"))
    if not number.is_finite():
        raise ValueInvalid(ValueProblem("decimal"))
    return number


def _as_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise ValueInvalid(ValueProblem("boolean"))


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueInvalid(ValueProblem("date"))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueInvalid(ValueProblem("date"))


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].+", value.strip()):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueInvalid(ValueProblem("datetime")) from None
    else:
        raise ValueInvalid(ValueProblem("datetime"))
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueInvalid(ValueProblem("timezone"))
    return moment


def _bound(spec: ElementSpec, raw: Any) -> Any:
    """A minimum/maximum from the element's format, in the element's own value type."""
    if spec.type == ElementType.INTEGER:
        return _as_integer(raw)
    if spec.type == ElementType.DECIMAL:
        return _as_decimal(raw)
    if spec.type == ElementType.DATE:
        return _as_date(raw)
    if spec.type == ElementType.DATETIME:
        return _as_datetime(raw)
    raise ValueError(f"{spec.type} has no minimum or maximum")


def _check_range(spec: ElementSpec, number: Any) -> None:
    if spec.minimum is not None and number < _bound(spec, spec.minimum):
        raise ValueInvalid(ValueProblem("minimum", {"limit": spec.minimum}))
    if spec.maximum is not None and number > _bound(spec, spec.maximum):
        raise ValueInvalid(ValueProblem("maximum", {"limit": spec.maximum}))


def clean_value(spec: ElementSpec, value: Any) -> Any:
    """Check ``value`` against the element and return its canonical JSON form.

    Canonical forms: strings and enum values as ``str``, integers as ``int``, decimals as a
    plain decimal string (no float rounding), booleans as ``bool``, dates as ``YYYY-MM-DD``,
    date-times as ISO 8601 with their offset. Raises :class:`ValueInvalid`. ``None`` is not a
    value: whether a field may be empty is the registry's business, not the element's.
    """
    if value is None or (isinstance(value, str) and value == ""):
        raise ValueInvalid(ValueProblem("required"))
    kind = spec.type
    if kind == ElementType.STRING:
        if not isinstance(value, str):
            raise ValueInvalid(ValueProblem("text"))
        if "\x00" in value or has_control_character(value):
            raise ValueInvalid(ValueProblem("control"))
        if spec.min_length is not None and len(value) < spec.min_length:
            raise ValueInvalid(ValueProblem("min_length", {"limit": spec.min_length}))
        if spec.max_length is not None and len(value) > spec.max_length:
            raise ValueInvalid(ValueProblem("max_length", {"limit": spec.max_length}))
        if spec.pattern is not None and _compiled(spec.pattern).fullmatch(value) is None:
            raise ValueInvalid(ValueProblem("pattern"))
        return value
    if kind == ElementType.ENUM:
        if not isinstance(value, str) or value not in {o.value for o in spec.options}:
            raise ValueInvalid(ValueProblem("choice"))
        return value
    if kind == ElementType.INTEGER:
        integer = _as_integer(value)
        _check_range(spec, integer)
        return integer
    if kind == ElementType.DECIMAL:
        number = _as_decimal(value)
        _check_range(spec, number)
        return format(number, "f")
    if kind == ElementType.BOOLEAN:
        return _as_boolean(value)
    if kind == ElementType.DATE:
        day = _as_date(value)
        _check_range(spec, day)
        return day.isoformat()
    if kind == ElementType.DATETIME:
        moment = _as_datetime(value)
        _check_range(spec, moment)
        return moment.isoformat()
    raise ValueError(f"unknown element type {kind!r}")


def validate_value(spec: ElementSpec, value: Any) -> list[ValueProblem]:
    """The problems with ``value`` for this element; an empty list means it is fine."""
    try:
        clean_value(spec, value)
    except ValueInvalid as exc:
        return [exc.problem]
    return []


def clean_values(
    specs: Mapping[str, ElementSpec],
    values: Mapping[str, Any],
    *,
    required: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, list[ValueProblem]]]:
    """Check a whole record. Returns ``(clean, problems)``; unknown fields are problems too."""
    clean: dict[str, Any] = {}
    problems: dict[str, list[ValueProblem]] = {}
    for name, raw in values.items():
        spec = specs.get(name)
        if spec is None:
            problems[name] = [ValueProblem("unknown_field")]
            continue
        if raw is None or raw == "":
            continue
        try:
            clean[name] = clean_value(spec, raw)
        except ValueInvalid as exc:
            problems[name] = [exc.problem]
    for name in sorted(required):
        if name not in clean and name not in problems:
            problems[name] = [ValueProblem("required")]
    return clean, problems


# --- Masking --------------------------------------------------------------------------------

MASK_CHAR = "*"


def _as_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    return dt.date.fromisoformat(text[:10])


def mask_none(value: Any) -> Any:
    return value


def mask_birth_year_only(value: Any) -> str | None:
    """1990-03-07 → "1990": enough to tell an age group, not a birthday."""
    if value is None:
        return None
    return f"{_as_day(value).year:04d}"


def mask_year_month(value: Any) -> str | None:
    """1990-03-07 → "1990-03"."""
    if value is None:
        return None
    day = _as_day(value)
    return f"{day.year:04d}-{day.month:02d}"


def mask_last4(value: Any) -> str | None:
    """Only the last four characters stay: 110101199003071234 → **************1234.

    A value of four characters or fewer is masked completely, since its "last four" would be
    all of it.
    """
    if value is None:
        return None
    text = str(value)
    if len(text) <= 4:
        return MASK_CHAR * len(text)
    return MASK_CHAR * (len(text) - 4) + text[-4:]


def mask_first1_last1(value: Any) -> str | None:
    """For names: 张三丰 → 张*丰, 张三 → 张*, Alice → A***e, 李 → *."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= 1:
        return MASK_CHAR * len(text)
    if len(text) == 2:
        return text[0] + MASK_CHAR
    return text[0] + MASK_CHAR * (len(text) - 2) + text[-1]


def mask_hide(value: Any) -> None:
    """The consumer learns only that the field exists, never its value."""
    return None


MASKS: dict[str, Callable[[Any], Any]] = {
    Masking.NONE: mask_none,
    Masking.BIRTH_YEAR_ONLY: mask_birth_year_only,
    Masking.LAST4: mask_last4,
    Masking.FIRST1_LAST1: mask_first1_last1,
    Masking.YEAR_MONTH: mask_year_month,
    Masking.HIDE: mask_hide,
}

# Which element types each masking makes sense for; agreements are checked against this.
MASKING_TYPES: dict[str, frozenset[str]] = {
    Masking.NONE: frozenset(ElementType.values),
    Masking.HIDE: frozenset(ElementType.values),
    Masking.BIRTH_YEAR_ONLY: frozenset({ElementType.DATE, ElementType.DATETIME}),
    Masking.YEAR_MONTH: frozenset({ElementType.DATE, ElementType.DATETIME}),
    Masking.LAST4: frozenset({ElementType.STRING, ElementType.INTEGER}),
    Masking.FIRST1_LAST1: frozenset({ElementType.STRING}),
}


def apply_masking(masking: str, value: Any) -> Any:
    return MASKS[masking](value)


# --- Subjects -------------------------------------------------------------------------------


class SubjectInvalid(ValueError):
    """An identifier that names no person or firm. ``str()`` is the reason in English (for
    logs and definition files); ``message`` says it to a person, in the active language."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.message = message or reason


def normalise_subject(kind: str, raw: str) -> str:
    """The canonical key of a person (national id) or firm (USCC); raises SubjectInvalid."""
    if not isinstance(raw, str):
        raise SubjectInvalid("the identifier must be text")
    try:
        if kind == SubjectKind.PERSON:
            return identity_domain.normalise_national_id(raw)
        if kind == SubjectKind.FIRM:
            return identity_domain.normalise_uscc(raw)
    except identity_domain.IdentifierError as exc:
        raise SubjectInvalid(str(exc), exc.message) from exc
    raise SubjectInvalid(f"unknown subject kind {kind!r}")


def masked_subject(kind: str, key: str) -> str:
    """A subject as staff lists show it: a person's id number with only its last four
    characters, a firm's USCC in full (it is printed on the firm's licence for all to see)."""
    if kind == SubjectKind.FIRM:
        return key
    return mask_last4(key) or ""


def subject_ref(kind: str, key: str) -> str:
    """The subject string the audit log uses: ``person:<national_id>`` or ``firm:<uscc>``."""
    return f"{kind}:{key}"


def day_number(day: dt.date) -> int:
    """A date as YYYYMMDD, the form the authorisation policies compare."""
    return day.year * 10000 + day.month * 100 + day.day
