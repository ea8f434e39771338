"""Identifier check digits for people (GB 11643) and firms (GB 32100). Pure functions, no Django.

``check_*`` functions are strict: they take exactly the canonical form and raise
:class:`IdentifierError` with a message saying what is wrong and how to fix it. ``normalise_*``
functions turn what people actually type (spaces, full-width digits, a lowercase ``x``) into the
canonical form first, and are what forms should call.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

NATIONAL_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
NATIONAL_ID_CHECK = "10X98765432"

# The earliest date of birth a citizen id number may hold: nobody alive was born before it.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class IdentifierError(ValueError):
    """An identifier is malformed; ``code`` is stable for programs, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def national_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, NATIONAL_ID_WEIGHTS, strict=True))
    return NATIONAL_ID_CHECK[total % 11]


def check_national_id(value: str, *, today: dt.date | None = None) -> str:
    """Validate an 18-character citizen id number and return it unchanged.

    Characters 7-14 must be a real date of birth from 1900-01-01 up to ``today`` (default: the
    system's date, plus a day's grace because east of the server it may already be tomorrow).
    """
    if len(value) != 18:
        raise IdentifierError("length", f"must be 18 characters, got {len(value)}")
    if any(unicodedata.east_asian_width(c) in ("F", "W") for c in value):
        raise IdentifierError("full_width", "contains full-width characters; use 0-9 and X")
    if value[17] == "x":
        raise IdentifierError("lowercase", "the last character must be an upper-case X")
    if not value[:17].isascii() or not value[:17].isdigit():
        raise IdentifierError("digits", "the first 17 characters must be digits 0-9")
    if not (value[17].isascii() and (value[17].isdigit() or value[17] == "X")):
        raise IdentifierError("check_char", "the last character must be a digit or X")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdentifierError(
            "birth_date", "characters 7-14 are not a valid date of birth"
        ) from None
    if born < EARLIEST_BIRTH_DATE:
        raise IdentifierError(
            "birth_date_too_early",
            f"characters 7-14 give a date of birth ({born:%Y-%m-%d}) before 1900-01-01; "
            "please re-check the number",
        )
    latest = today if today is not None else dt.date.today() + dt.timedelta(days=1)
    if born > latest:
        raise IdentifierError(
            "birth_date_future",
            f"characters 7-14 give a date of birth ({born:%Y-%m-%d}) in the future; "
            "please re-check the number",
        )
    expected = national_id_check_char(value[:17])
    if value[17] != expected:
        raise IdentifierError(
            "checksum", "the check digit does not match; please re-check the number"
        )
    return value


_SPACES = re.compile(r"\s+")


def _as_typed(raw: str) -> str:
    """What people type, canonical: full-width characters made ASCII, upper case, and every
    space dropped (NFKC turns the ideographic space U+3000 and the no-break space into " ")."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw)).upper()


def normalise_national_id(raw: str, *, today: dt.date | None = None) -> str:
    """Accept what people type (spaces, full-width digits, lowercase x), then check strictly."""
    return check_national_id(_as_typed(raw), today=today)


def birth_date_from_national_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> str:
    """Validate an 18-character unified social credit code and return it unchanged."""
    if len(value) != 18:
        raise IdentifierError("length", f"must be 18 characters, got {len(value)}")
    if any(unicodedata.east_asian_width(c) in ("F", "W") for c in value):
        raise IdentifierError("full_width", "contains full-width characters; use 0-9 and A-Z")
    if any(c.islower() for c in value):
        raise IdentifierError("lowercase", "letters must be upper case")
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        raise IdentifierError(
            "alphabet",
            f"contains characters not used in credit codes: {' '.join(bad)} "
            "(I, O, S, V and Z are never used)",
        )
    if not value[2:8].isdigit():
        raise IdentifierError("region", "characters 3-8 must be the digits of a region code")
    if value[17] != uscc_check_char(value[:17]):
        raise IdentifierError(
            "checksum", "the check character does not match; please re-check the code"
        )
    return value


def normalise_uscc(raw: str) -> str:
    """Accept what people type (spaces, full-width characters, lower case), then check strictly."""
    return check_uscc(_as_typed(raw))


def make_national_id(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Compose a valid id number: 6-digit region, birth date, 3-digit sequence, check character.

    The sequence's last digit is odd for men and even for women, as in real numbers.
    """
    if len(region_code) != 6 or not region_code.isdigit():
        raise IdentifierError("region", "the region code must be 6 digits")
    if not 0 <= sequence <= 999:
        raise IdentifierError("sequence", "the sequence must be 0-999")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + national_id_check_char(first17)


def make_uscc(region_code: str, org_code: str, *, authority: str = "9", kind: str = "1") -> str:
    """Compose a valid credit code from its parts; ``org_code`` is 9 characters."""
    first17 = f"{authority}{kind}{region_code}{org_code}"
    if len(first17) != 17:
        raise IdentifierError("length", "the parts must add up to 17 characters")
    check_chars = [c for c in first17 if c not in USCC_ALPHABET]
    if check_chars:
        raise IdentifierError("alphabet", f"not allowed in credit codes: {' '.join(check_chars)}")
    return first17 + uscc_check_char(first17)
