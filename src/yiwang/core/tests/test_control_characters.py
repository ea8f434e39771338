"""Every text field of every form refuses control characters, in the reader's language, and
takes tabs and line breaks."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation


class _Note(forms.Form):
    note = forms.CharField(widget=forms.Textarea)


@pytest.mark.parametrize("typed", ["a\x1b[31mb", "back\x08space", "del\x7f", "bell\x07"])
def test_a_control_character_is_refused_beside_the_field(typed: str) -> None:
    with translation.override("en"):
        form = _Note({"note": typed})
        assert not form.is_valid()
        assert form.errors["note"] == [
            "Remove the control character (such as ESC or a backspace) from this text: it "
            "cannot be typed and would not show."
        ]


def test_tabs_and_line_breaks_are_text() -> None:
    form = _Note({"note": "first line\r\nsecond\tline"})
    assert form.is_valid(), form.errors


def test_the_message_is_in_the_readers_language() -> None:
    with translation.override("zh-hans"):
        form = _Note({"note": "a\x1bb"})
        assert not form.is_valid()
        assert "控制字符" in form.errors["note"][0]


def test_model_form_fields_refuse_them_too() -> None:
    from yiwang.identity.models import Department

    field = Department._meta.get_field("name_zh").formfield()
    with pytest.raises(ValidationError):
        field.clean("消防\x1b救援")
