"""A text area has no maxlength for the browser to cut a paste at: the length is checked on
the server, said beside the field, and what was typed comes back whole."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class _Reason(forms.Form):
    reason = forms.CharField(max_length=20, widget=forms.Textarea)
    code = forms.CharField(max_length=8)


def test_a_text_area_is_rendered_without_maxlength_and_a_long_text_is_refused_whole() -> None:
    typed = "x" * 25
    with translation.override("en"):
        form = _Reason({"reason": typed, "code": "ok"})
        assert not form.is_valid()
        html = render_to_string("includes/field.html", {"field": form["reason"]})
    assert "maxlength" not in html
    assert typed in html
    assert "at most 20 characters" in html
    one_line = render_to_string("includes/field.html", {"field": _Reason()["code"]})
    assert 'maxlength="8"' in one_line  # a one-line input keeps it


def test_a_form_too_large_to_read_is_said_to_be_too_large(db: object) -> None:
    from django.test import Client

    browser = Client(HTTP_HOST="localhost")
    browser.cookies["django_language"] = "en"
    response = browser.post("/my/consents/new/", {"note": "x" * (3 * 1024 * 1024)})

    page = response.content.decode()
    assert response.status_code == 400
    assert "larger than the site accepts from one form (2.5 MB, files not counted)" in page
