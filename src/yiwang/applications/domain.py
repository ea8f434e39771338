"""Pure functions of the workflow: receipt numbers, forms and their checks, file sniffing, the
plan of a case's tasks and its deadline dates. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yiwang.applications.constants import RECEIPT_PREFIX, TaskStatus
from yiwang.catalogue import domain as catalogue
from yiwang.core import calendar
from yiwang.core.language import pick

# --- Receipt numbers (受理编号) ----------------------------------------------------------------
#
# YW + the date of submission (YYYYMMDD) + 8 random characters + 1 check character, e.g.
# ``YW20260105K7M3Q9PD5``. The characters are Crockford's base 32 (no I, L, O or U, so nothing
# looks like a digit). The check character is a Damm check over the field of 32 elements: the
# operation x∘y = 2x + y there is a totally anti-symmetric quasigroup, so every single wrong
# character and every swap of two different neighbours is caught (the Luhn mod 32 scheme misses
# swaps such as "0Z" ↔ "Z0"). 40 random bits a day make the numbers hard to guess; the unique
# constraint catches the rare collision.

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Letters people type for the ones base 32 leaves out.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
SERIAL_LENGTH = 8
_RECEIPT = re.compile(
    rf"^{RECEIPT_PREFIX}(\d{{8}})([{ALPHABET}]{{{SERIAL_LENGTH}}})([{ALPHABET}])$"
)
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _times_two(value: int) -> int:
    """Multiply by the field element x (written 2) in GF(32)."""
    value <<= 1
    return value ^ _GF32_MODULUS if value & 0b100000 else value


def _damm(payload: str) -> int:
    interim = 0
    for char in payload:
        interim = _times_two(interim) ^ _VALUE[char]
    return interim


def check_character(payload: str) -> str:
    """The character that brings the Damm check of ``payload`` + it back to zero."""
    return ALPHABET[_times_two(_damm(payload))]


def make_receipt_number(day: dt.date, serial: str | None = None) -> str:
    if serial is None:
        serial = "".join(secrets.choice(ALPHABET) for _i in range(SERIAL_LENGTH))
    payload = f"{day:%Y%m%d}{serial}"
    return f"{RECEIPT_PREFIX}{payload}{check_character(payload)}"


def normalise_receipt_number(text: str) -> str | None:
    """The receipt number a person meant, or ``None`` when it cannot be one (a typo caught).

    Spaces and dashes are dropped, lower case is raised, and O/I/L are read as 0/1/1.
    """
    cleaned = re.sub(r"[\s\-]", "", text or "").upper()
    if not cleaned.startswith(RECEIPT_PREFIX):
        return None
    cleaned = RECEIPT_PREFIX + cleaned[len(RECEIPT_PREFIX) :].translate(_LOOKALIKES)
    match = _RECEIPT.match(cleaned)
    if match is None:
        return None
    date_part, serial, check = match.groups()
    if _damm(date_part + serial + check) != 0:
        return None
    return cleaned


# --- Forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    id: str
    title: Mapping[str, str]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    file_types: tuple[Mapping[str, str], ...]
    max_size_mb: float
    optional: bool = False


class FormSpec:
    """The form of one application, whether it is for one service or a bundle.

    ``schema`` holds every field (``properties``); what is *required* and which materials are
    needed depend on the answers (a bundle's conditional services, conditional materials), so
    they are methods taking the form data.
    """

    def __init__(
        self,
        *,
        code: str,
        schema: Mapping[str, Any],
        pages: Sequence[PageSpec],
        required: Callable[[Mapping[str, Any]], list[str]],
        materials: Callable[[Mapping[str, Any]], list[MaterialSpec]],
        all_materials: Sequence[MaterialSpec],
        services: Callable[[Mapping[str, Any]], list[str]],
    ) -> None:
        self.code = code
        self.schema = dict(schema)
        self.pages = tuple(pages)
        self._required = required
        self._materials = materials
        self._all_materials = {m.code: m for m in all_materials}
        self._services = services

    @classmethod
    def for_service(cls, definition: Mapping[str, Any]) -> FormSpec:
        form = definition.get("form", {})
        pages = [
            PageSpec(str(p["id"]), p["title"], tuple(p.get("fields", [])))
            for p in form.get("pages", [])
        ]
        always = list(form.get("required", []))

        def required(data: Mapping[str, Any]) -> list[str]:
            when = catalogue.conditionally_required(form, data)
            return [*always, *(name for name in when if name not in always)]

        def material(m: Mapping[str, Any], optional: bool) -> MaterialSpec:
            return MaterialSpec(
                str(m["code"]),
                m["name"],
                m["description"],
                tuple(m["file_types"]),
                float(m["max_size_mb"]),
                optional,
            )

        def materials(data: Mapping[str, Any]) -> list[MaterialSpec]:
            return [
                material(need.material, need.optional)
                for need in catalogue.materials_needed(definition, data)
            ]

        return cls(
            code=str(definition.get("code")),
            schema={"type": "object", "properties": dict(catalogue.form_fields(form))},
            pages=pages,
            required=required,
            materials=materials,
            all_materials=[
                material(m, bool(m.get("optional"))) for m in definition.get("materials", [])
            ],
            services=lambda _data: [str(definition.get("code"))],
        )

    @classmethod
    def for_bundle(cls, merged: catalogue.BundleForm) -> FormSpec:
        schema = merged.schema()

        def spec(m: catalogue.MergedMaterial, optional: bool) -> MaterialSpec:
            return MaterialSpec(
                m.code, m.name, m.description, m.file_types, m.max_size_mb, optional
            )

        return cls(
            code=merged.code,
            schema={"type": "object", "properties": schema["properties"]},
            pages=[PageSpec(p.id, p.title, p.fields) for p in merged.pages],
            required=merged.required_fields,
            materials=lambda data: [spec(m, opt) for m, opt in merged.materials_needed(data)],
            all_materials=[
                spec(m, all(bool(u.material.get("optional")) for u in m.uses))
                for m in merged.materials
            ],
            services=merged.services_applying,
        )

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.schema.get("properties", {}))

    def page(self, page_id: str) -> PageSpec | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def page_after(self, page_id: str | None) -> PageSpec | None:
        ids = [p.id for p in self.pages]
        if page_id not in ids:
            return self.pages[0] if self.pages else None
        index = ids.index(page_id) + 1
        return self.pages[index] if index < len(ids) else None

    def required_fields(self, data: Mapping[str, Any]) -> list[str]:
        return self._required(data)

    def materials_needed(self, data: Mapping[str, Any]) -> list[MaterialSpec]:
        return self._materials(data)

    def material(self, code: str) -> MaterialSpec | None:
        """A material of the form, whatever the answers (a condition may not hold yet)."""
        return self._all_materials.get(code)

    @property
    def all_materials(self) -> list[MaterialSpec]:
        return list(self._all_materials.values())

    def services_applying(self, data: Mapping[str, Any]) -> list[str]:
        return self._services(data)

    def condition_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Form data typed as the fields say, for CEL conditions."""
        return dict(catalogue.typed_form_data(self.schema, dict(data)))

    def normalise(self, name: str, value: Any) -> Any:
        """The answer to store: identifiers and bank accounts as the platform writes them
        (see :func:`yiwang.catalogue.domain.normalise_answer`); other answers unchanged."""
        return catalogue.normalise_answer(self.fields.get(name), value)


def clean_answers(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty answers: ``None`` and blank text mean "not answered"."""
    return {
        k: v
        for k, v in data.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }


# --- What a correction (补正) may change ---------------------------------------------------------
#
# The clerk chooses the answers to correct. A changed answer can make another field required (the
# form's if/then and dependentRequired rules): a card now to be posted needs a postal address. If
# that field was never answered, the person could not finish the correction without it, so it
# may be answered too. Nothing else opens: an answered field stays as it is, and a field the
# changed answers no longer need is not asked for.


@dataclass(frozen=True)
class CorrectionScope:
    """What a person may answer in a correction, given what they send.

    ``asked``: the fields the clerk chose. ``required``: fields outside them that the changed
    answers now require and that had no answer, in the order the form's rules name them.
    ``because``: for each of those, the changed answers that require it. ``answers``: the stored
    answers with the changes to both applied (as they would be stored).
    """

    asked: tuple[str, ...]
    required: tuple[str, ...]
    because: Mapping[str, tuple[str, ...]]
    answers: dict[str, Any]

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field the person may answer: the clerk's choice, then those the rules add."""
        return (*self.asked, *self.required)


def correction_scope(
    spec: FormSpec,
    stored: Mapping[str, Any],
    asked: Sequence[str],
    data: Mapping[str, Any],
) -> CorrectionScope:
    """The fields a correction opens for these answers (see :class:`CorrectionScope`).

    ``data`` may hold answers for any field; only those for the fields opened are applied (an
    empty one removes the answer). A field opened by the rules may itself require another: that
    opens too, until nothing more does.
    """
    answers = dict(stored)

    def apply(name: str) -> None:
        if name not in data:
            return
        value = data[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            answers.pop(name, None)
        else:
            answers[name] = spec.normalise(name, value)

    def unanswered(name: str) -> bool:
        return not clean_answers({name: stored.get(name)})

    for name in asked:
        apply(name)
    opened: list[str] = []
    while True:
        more = [
            name
            for name in spec.required_fields(answers)
            if name not in asked and name not in opened and unanswered(name)
        ]
        if not more:
            break
        opened += more
        for name in more:
            apply(name)

    changed = [
        name for name in (*asked, *opened) if name in data and answers.get(name) != stored.get(name)
    ]
    because: dict[str, tuple[str, ...]] = {}
    for name in opened:
        others = [c for c in changed if c != name]
        causes = []
        for cause in others:
            undone = dict(answers)
            if clean_answers({cause: stored.get(cause)}):
                undone[cause] = stored[cause]
            else:
                undone.pop(cause, None)
            if name not in spec.required_fields(undone):
                causes.append(cause)
        because[name] = tuple(causes or others)
    return CorrectionScope(
        asked=tuple(asked), required=tuple(opened), because=because, answers=answers
    )


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
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
        return text
    if kind == "number":
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

# What exactly is wrong with an identifier, by the code the identity checker gives
# (:class:`yiwang.identity.domain.IdentifierError`); a code not listed gets the format's message.
_IDENTIFIER_MESSAGES: dict[tuple[str, str], Callable[[], str]] = {
    ("national-id", "length"): lambda: _(
        "A citizen ID number has 18 characters: check for a missing or extra one."
    ),
    ("national-id", "digits"): lambda: _(
        "The first 17 characters of a citizen ID number are digits: check the number."
    ),
    ("national-id", "check_char"): lambda: _(
        "The last character of a citizen ID number is a digit or X: check the number."
    ),
    ("national-id", "birth_date"): lambda: _(
        "Characters 7 to 14 of a citizen ID number are the date of birth, and these are not a "
        "real date: check the number."
    ),
    ("national-id", "birth_date_future"): lambda: _(
        "The date of birth in this citizen ID number (characters 7 to 14) is in the future: "
        "check the number."
    ),
    ("national-id", "birth_date_too_early"): lambda: _(
        "The date of birth in this citizen ID number (characters 7 to 14) is before 1900: "
        "check the number."
    ),
    ("national-id", "checksum"): lambda: _(
        "The last character (the check digit) does not match the rest of the citizen ID number: "
        "check the number."
    ),
    ("uscc", "length"): lambda: _(
        "A unified social credit code has 18 characters: check for a missing or extra one."
    ),
    ("uscc", "alphabet"): lambda: _(
        "A unified social credit code has only digits and capital letters, never I, O, S, V "
        "or Z: check the code."
    ),
    ("uscc", "region"): lambda: _(
        "Characters 3 to 8 of a unified social credit code are digits (the region code): "
        "check the code."
    ),
    ("uscc", "checksum"): lambda: _(
        "The last character (the check character) does not match the rest of the unified "
        "social credit code: check the code."
    ),
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
        code = getattr(error.cause, "code", None)
        message = _IDENTIFIER_MESSAGES.get((str(limit), str(code))) or _FORMAT_MESSAGES.get(
            str(limit)
        )
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
    if keyword in ("enum", "const"):
        return _("Choose one of the options given.")
    if keyword == "type":
        kinds = [limit] if isinstance(limit, str) else list(limit)
        message = _TYPE_MESSAGES.get(str(kinds[0])) if kinds else None
        return message() if message else _("This answer is not accepted.")
    if keyword in ("minItems", "maxItems"):
        return _items_message(keyword, limit, error.schema)
    if keyword == "uniqueItems":
        return _("Give each answer only once.")
    return _("This answer is not accepted.")


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


# --- Uploaded files ---------------------------------------------------------------------------

# How many bytes of a file the sniffer reads to recognise it.
SNIFF_BYTES = 8192

_OOXML = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# Old Office files share one container format; the extension says which program wrote it.
_OLE2_TYPES = ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint")
_TEXT_TYPES = ("text/plain", "text/csv")

# Content types the platform can recognise by content; a material may only accept these.
SNIFFABLE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "application/zip",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        *_OOXML.values(),
        *_OLE2_TYPES,
        *_TEXT_TYPES,
    }
)


def sniff_content_types(head: bytes, open_whole: Callable[[], Any] | None = None) -> set[str]:
    """The content types a file may be, judged by its bytes (not its name).

    ``head`` is the start of the file; ``open_whole`` returns a seekable binary file of the whole
    content, needed to look inside ZIP containers (Office and OpenDocument files). Returns an
    empty set for content the platform does not recognise.
    """
    if head.startswith(b"%PDF-"):
        return {"application/pdf"}
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return {"image/png"}
    if head.startswith(b"\xff\xd8\xff"):
        return {"image/jpeg"}
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return {"image/gif"}
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return {"image/webp"}
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return {"image/tiff"}
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return set(_OLE2_TYPES)
    if head.startswith(b"PK\x03\x04"):
        return _zip_types(open_whole)
    if head and _is_text(head):
        return set(_TEXT_TYPES)
    return set()


def _zip_types(open_whole: Callable[[], Any] | None) -> set[str]:
    found = {"application/zip"}
    if open_whole is None:
        return found
    try:
        with zipfile.ZipFile(open_whole()) as archive:
            names = set(archive.namelist())
            for marker, content_type in _OOXML.items():
                if marker in names:
                    found.add(content_type)
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    found.add(declared)
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()
    return found


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


# --- The plan of a case -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedTask:
    stage_id: str
    step: Mapping[str, Any]
    position: int
    applies: bool


def plan_tasks(definition: Mapping[str, Any], data: Mapping[str, Any]) -> list[PlannedTask]:
    """Every step of a service as a task to create, and whether its condition holds."""
    form = definition.get("form")
    out: list[PlannedTask] = []
    for stage in catalogue.stages(definition):
        for step in stage.get("steps", []):
            applies = catalogue.condition_holds(step.get("condition"), data, form)
            out.append(PlannedTask(str(stage.get("id")), step, len(out), applies))
    return out


def stages_ready(
    predecessors: Mapping[str, Sequence[str]],
    complete: set[str],
    started: set[str],
) -> list[str]:
    """Stages not yet started whose every predecessor is complete, in definition order."""
    return [
        stage
        for stage, before in predecessors.items()
        if stage not in started and all(b in complete for b in before)
    ]


def initial_statuses(
    definition: Mapping[str, Any], planned: Sequence[PlannedTask]
) -> dict[int, str]:
    """The status each planned task starts in: open, waiting or skipped.

    Steps whose condition fails are skipped. A stage starts when the stages it waits for are
    complete; a stage with no step applying is complete at once, so the stages after it may start
    at submission too.
    """
    preds = catalogue.stage_predecessors(definition)
    by_stage: dict[str, list[PlannedTask]] = {}
    for task in planned:
        by_stage.setdefault(task.stage_id, []).append(task)
    statuses: dict[int, str] = {t.position: TaskStatus.SKIPPED for t in planned if not t.applies}
    complete: set[str] = set()
    started: set[str] = set()
    while True:
        ready = stages_ready(preds, complete, started)
        if not ready:
            break
        for stage in ready:
            started.add(stage)
            applying = [t for t in by_stage.get(stage, []) if t.applies]
            for task in applying:
                statuses[task.position] = TaskStatus.OPEN
            if not applying:
                complete.add(stage)
    for task in planned:
        statuses.setdefault(task.position, TaskStatus.WAITING)
    return statuses


def stage_complete(statuses: Iterable[str]) -> bool:
    """A stage is complete when each of its tasks is done (approved) or skipped."""
    return all(s in (TaskStatus.DONE, TaskStatus.SKIPPED) for s in statuses)


# --- Deadlines --------------------------------------------------------------------------------

Pause = tuple[dt.date | dt.datetime, dt.date | dt.datetime | None]


@dataclass(frozen=True)
class CaseDates:
    due_date: dt.date
    statutory_due_date: dt.date
    warning_date: dt.date
    overdue_date: dt.date


def case_dates(
    accepted: dt.date | dt.datetime,
    promised_days: int,
    statutory_days: int,
    cal: calendar.WorkingCalendar,
    pauses: Iterable[Pause] = (),
) -> CaseDates:
    """Due dates and the days the case turns *due soon* and *overdue*, pauses excluded.

    They agree with :func:`yiwang.core.calendar.deadline_state`: the case is *warning* from the
    day on which ceil(80 %) of the promised working days have been used, and *overdue* from the
    day on which one more than the promised days has been used.
    """
    closed = list(pauses)
    warn_after = -(-promised_days * calendar.WARNING_NUMERATOR // calendar.WARNING_DENOMINATOR)
    return CaseDates(
        due_date=calendar.due_date(accepted, promised_days, cal, closed),
        statutory_due_date=calendar.due_date(accepted, statutory_days, cal, closed),
        warning_date=calendar.due_date(accepted, warn_after, cal, closed),
        overdue_date=calendar.due_date(accepted, promised_days + 1, cal, closed),
    )


def deadline_state_on(dates: CaseDates, today: dt.date) -> str:
    if today >= dates.overdue_date:
        return calendar.DeadlineState.OVERDUE
    if today >= dates.warning_date:
        return calendar.DeadlineState.WARNING
    return calendar.DeadlineState.ON_TIME
