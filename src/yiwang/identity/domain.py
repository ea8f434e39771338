"""Identifier check digits for people (GB 11643) and firms (GB 32100). Pure functions.

``check_*`` functions are strict: they take exactly the canonical form and raise
:class:`IdentifierError`. ``normalise_*`` functions turn what people actually type (spaces,
full-width digits, a lowercase ``x``) into the canonical form first, and are what forms should
call.

An :class:`IdentifierError` speaks to two readers. ``str(exc)`` is a short English clause for
operators' reports ("people.yaml: people[1].national_id: '…' is not valid: <clause>");
``exc.message`` is a whole sentence for the person who typed the number, in the active
language. Nothing here needs request state or the database: the templates are only marked for
the catalogue, and translated when ``message`` is read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_noop

NATIONAL_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
NATIONAL_ID_CHECK = "10X98765432"

# The earliest date of birth a citizen id number may hold: nobody alive was born before it.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# What people are told, by (kind, code) of the error. Where the English clause says more than
# "check the number" (the length found, the date read, the characters refused), so does this.
_MESSAGES: dict[tuple[str, str], str] = {
    ("national_id", "length"): gettext_noop(
        "A citizen ID number has 18 characters; this one has %(length)d. Check for a missing or "
        "extra character."
    ),
    ("national_id", "full_width"): gettext_noop(
        "The citizen ID number contains full-width characters: type it with the digits 0-9 and X."
    ),
    ("national_id", "lowercase"): gettext_noop(
        "The last character of a citizen ID number is a capital X, not a small x."
    ),
    ("national_id", "digits"): gettext_noop(
        "The first 17 characters of a citizen ID number are digits: check the number."
    ),
    ("national_id", "check_char"): gettext_noop(
        "The last character of a citizen ID number is a digit or X: check the number."
    ),
    ("national_id", "birth_date"): gettext_noop(
        "Characters 7 to 14 of a citizen ID number are the date of birth, and these are not a "
        "real date: check the number."
    ),
    ("national_id", "birth_date_too_early"): gettext_noop(
        "The date of birth in this citizen ID number (characters 7 to 14) is %(date)s, before "
        "1900-01-01: check the number."
    ),
    ("national_id", "birth_date_future"): gettext_noop(
        "The date of birth in this citizen ID number (characters 7 to 14) is %(date)s, which is "
        "in the future: check the number."
    ),
    ("national_id", "checksum"): gettext_noop(
        "The last character (the check digit) does not match the rest of the citizen ID number: "
        "check the number."
    ),
    ("uscc", "length"): gettext_noop(
        "A unified social credit code has 18 characters; this one has %(length)d. Check for a "
        "missing or extra character."
    ),
    ("uscc", "full_width"): gettext_noop(
        "The unified social credit code contains full-width characters: type it with the "
        "digits 0-9 and the letters A-Z."
    ),
    ("uscc", "lowercase"): gettext_noop(
        "The letters of a unified social credit code are capitals: type them in upper case."
    ),
    ("uscc", "alphabet"): gettext_noop(
        "The unified social credit code contains characters that credit codes never use: "
        "%(characters)s. They have only digits and capital letters other than I, O, S, V and Z."
    ),
    ("uscc", "region"): gettext_noop(
        "Characters 3 to 8 of a unified social credit code are digits (the region code): "
        "check the code."
    ),
    ("uscc", "checksum"): gettext_noop(
        "The last character (the check character) does not match the rest of the unified "
        "social credit code: check the code."
    ),
}


class IdentifierError(ValueError):
    """An identifier is malformed; ``code`` is stable for programs.

    ``str(exc)`` is an English clause for operators' reports; :attr:`message` is a sentence for
    people in the active language. ``kind`` is ``"national_id"`` or ``"uscc"`` for errors about
    a number someone gave, and empty for a program's mistake in composing one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        kind: str = "",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.kind = kind
        self.params = dict(params or {})
        super().__init__(message)

    @property
    def message(self) -> str:
        template = _MESSAGES.get((self.kind, self.code))
        if template is None:
            return str(self)
        from django.utils.translation import gettext

        return gettext(template) % self.params


def national_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, NATIONAL_ID_WEIGHTS, strict=True))
    return NATIONAL_ID_CHECK[total % 11]


def _bad_national_id(code: str, clause: str, **params: Any) -> IdentifierError:
    return IdentifierError(code, clause, kind="national_id", params=params)


def _bad_uscc(code: str, clause: str, **params: Any) -> IdentifierError:
    return IdentifierError(code, clause, kind="uscc", params=params)


def check_national_id(value: str, *, today: dt.date | None = None) -> str:
    """Validate an 18-character citizen id number and return it unchanged.

    Characters 7-14 must be a real date of birth from 1900-01-01 up to ``today`` (default: the
    system's date, plus a day's grace because east of the server it may already be tomorrow).
    """
    if len(value) != 18:
        raise _bad_national_id(
            "length", f"must be 18 characters, got {len(value)}", length=len(value)
        )
    if any(unicodedata.east_asian_width(c) in ("F", "W") for c in value):
        raise _bad_national_id("full_width", "contains full-width characters; use 0-9 and X")
    if value[17] == "x":
        raise _bad_national_id("lowercase", "the last character must be an upper-case X")
    if not value[:17].isascii() or not value[:17].isdigit():
        raise _bad_national_id("digits", "the first 17 characters must be digits 0-9")
    if not (value[17].isascii() and (value[17].isdigit() or value[17] == "X")):
        raise _bad_national_id("check_char", "the last character must be a digit or X")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _bad_national_id(
            "birth_date", "characters 7-14 are not a valid date of birth"
        ) from None
    if born < EARLIEST_BIRTH_DATE:
        raise _bad_national_id(
            "birth_date_too_early",
            f"characters 7-14 give a date of birth ({born:%Y-%m-%d}) before 1900-01-01; "
            "please re-check the number",
            date=f"{born:%Y-%m-%d}",
        )
    latest = today if today is not None else dt.date.today() + dt.timedelta(days=1)
    if born > latest:
        raise _bad_national_id(
            "birth_date_future",
            f"characters 7-14 give a date of birth ({born:%Y-%m-%d}) in the future; "
            "please re-check the number",
            date=f"{born:%Y-%m-%d}",
        )
    expected = national_id_check_char(value[:17])
    if value[17] != expected:
        raise _bad_national_id(
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
        raise _bad_uscc("length", f"must be 18 characters, got {len(value)}", length=len(value))
    if any(unicodedata.east_asian_width(c) in ("F", "W") for c in value):
        raise _bad_uscc("full_width", "contains full-width characters; use 0-9 and A-Z")
    if any(c.islower() for c in value):
        raise _bad_uscc("lowercase", "letters must be upper case")
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        raise _bad_uscc(
            "alphabet",
            f"contains characters not used in credit codes: {' '.join(bad)} "
            "(I, O, S, V and Z are never used)",
            characters=" ".join(bad),
        )
    if not value[2:8].isdigit():
        raise _bad_uscc("region", "characters 3-8 must be the digits of a region code")
    if value[17] != uscc_check_char(value[:17]):
        raise _bad_uscc("checksum", "the check character does not match; please re-check the code")
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
