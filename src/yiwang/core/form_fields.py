"""Form fields every site of the platform shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

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
