"""The formats a form field may declare, checked the way people type them, and answers stored
in their canonical form."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from jsonschema import FormatChecker

from yiwang.catalogue.domain.form_data import form_fields
from yiwang.core.definition_files import format_checker

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_BANK_ACCOUNT = re.compile(r"^[0-9]{12,19}$")
_SPACES = re.compile(r"\s+")


def normalise_bank_account(raw: str) -> str:
    """A bank account number as written on a card ("6222 0000 1111 2222", full-width digits)
    as the digits alone. Whether they are 12 to 19 digits is the format check's business."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw))


def form_format_checker() -> FormatChecker:
    """Formats a form field may declare (``constants.FIELD_FORMATS``), all of them checked.

    Identifiers and bank accounts are checked the way people type them (spaces, full-width
    digits, a lower-case x): :func:`normalise_answer` stores them in their canonical form.
    """
    from yiwang.identity import domain as ids

    checker = format_checker()

    @checker.checks("national-id", raises=ids.IdentifierError)
    def _national_id(value: object) -> bool:
        return not isinstance(value, str) or bool(ids.normalise_national_id(value))

    @checker.checks("uscc", raises=ids.IdentifierError)
    def _uscc(value: object) -> bool:
        return not isinstance(value, str) or bool(ids.normalise_uscc(value))

    @checker.checks("cn-mobile")
    def _mobile(value: object) -> bool:
        return not isinstance(value, str) or _MOBILE.match(value) is not None

    @checker.checks("bank-account")
    def _bank_account(value: object) -> bool:
        return not isinstance(value, str) or bool(
            _BANK_ACCOUNT.match(normalise_bank_account(value))
        )

    return checker


def normalise_answer(schema: Any, value: Any) -> Any:
    """An answer in the canonical form its field's ``format`` asks for, parts of lists and
    groups included: ``national-id`` and ``uscc`` without spaces, in ASCII and upper case,
    ``bank-account`` without spaces. An identifier that is wrong even then is kept as typed, so
    the person sees what they wrote beside the message saying what is wrong.
    """
    from yiwang.identity import domain as ids

    if not isinstance(schema, Mapping):
        return value
    if isinstance(value, str):
        fmt = schema.get("format")
        try:
            if fmt == "national-id":
                return ids.normalise_national_id(value)
            if fmt == "uscc":
                return ids.normalise_uscc(value)
        except ids.IdentifierError:
            return value
        if fmt == "bank-account":
            return normalise_bank_account(value)
        return value
    if isinstance(value, list):
        return [normalise_answer(schema.get("items"), item) for item in value]
    if isinstance(value, Mapping):
        parts = form_fields(schema)
        return {k: normalise_answer(parts.get(k), v) for k, v in value.items()}
    return value
