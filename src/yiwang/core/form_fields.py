"""Form fields every site of the platform shares."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy

# The dates a person may type, the same in every language. A browser's date picker sends ISO
# (yyyy-mm-dd); without one, people here also write yyyy/mm/dd. Django's default is the active
# language's list, which differs: zh-Hans takes 2027/06/30 and en refuses it (and en takes
# 06/30/2027, which zh-Hans refuses).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]


class DateInput(forms.DateInput):
    """A date picker. Its value is always ISO: a browser discards any other (such as the
    2026/11/29 that Django's zh-Hans format would give), and the field then looks empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            # What the person sent, shown again: in ISO when it is a date we understand.
            for fmt in DATE_INPUT_FORMATS:
                try:
                    return dt.datetime.strptime(value.strip(), fmt).date().isoformat()
                except ValueError:
                    continue
        return super().format_value(value)


class DateField(forms.DateField):
    """A date typed or picked the same way in every language; see :data:`DATE_INPUT_FORMATS`."""

    widget = DateInput
    input_formats = DATE_INPUT_FORMATS


# Characters nobody types: the C0 controls but tab, line feed and carriage return (NUL has
# Django's own check), and DEL. They come from pasted terminal output or forged requests, and
# would reach pages, exports and logs as they are.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def holds_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds half of a UTF-16 surrogate pair: not a character, and not
    writable as UTF-8, so no page or database can hold it."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def has_control_character(text: str) -> bool:
    """Whether ``text`` holds a control character nobody types (NUL apart: see above)."""
    return _CONTROL.search(text) is not None


@deconstructible
class ProhibitControlCharacters:
    """Refuse text with a control character (other than tab and line breaks)."""

    message = gettext_lazy(
        "Remove the control character (such as ESC or a backspace) from this text: it cannot "
        "be typed and would not show."
    )
    code = "control_characters"

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and has_control_character(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProhibitControlCharacters)

    def __hash__(self) -> int:
        return hash(self.code)


def refuse_control_characters_everywhere() -> None:
    """Every text field of every form (the portal's, the back office's, the admin's) refuses
    control characters, as each already refuses NUL."""
    rule = ProhibitControlCharacters()
    if rule not in forms.CharField.default_validators:
        forms.CharField.default_validators = [*forms.CharField.default_validators, rule]
