"""Receipt numbers (受理编号): making one, its check character, and reading one a person typed."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from yiwang.applications.constants import RECEIPT_PREFIX

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


# An application not yet submitted has no receipt number; reads made for it carry this instead.
DRAFT_PREFIX = "draft-"


def draft_reference(pk: int) -> str:
    return f"{DRAFT_PREFIX}{pk}"


def draft_pk(reference: str) -> int | None:
    """The application a ``draft-<pk>`` reference names, or None for any other reference."""
    if not reference.startswith(DRAFT_PREFIX):
        return None
    digits = reference[len(DRAFT_PREFIX) :]
    return int(digits) if digits.isdigit() and len(digits) <= 18 else None
