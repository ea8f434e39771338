"""The site's URLs plus pages that fail on purpose and a sample form, for testing the shell."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from yiwang.urls import urlpatterns as site_urlpatterns

SECRET_DETAIL = "internal detail 7f3a that must never reach a person"


class SampleForm(forms.Form):
    """One field of each kind ``includes/field.html`` lays out."""

    full_name = forms.CharField(label="Full name", help_text="As on your identity card")
    email = forms.EmailField(label="E-mail address", required=False)
    district = forms.ChoiceField(
        label="District", choices=[("", "Choose a district"), ("east", "East"), ("west", "West")]
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea)
    contact = forms.ChoiceField(
        label="How should we contact you?",
        help_text="Choose one",
        widget=forms.RadioSelect,
        choices=[("phone", "Phone"), ("post", "Post")],
    )
    topics = forms.MultipleChoiceField(
        label="Topics",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("tax", "Tax"), ("health", "Health")],
    )
    agree = forms.BooleanField(label="I confirm the information is true")
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("full_name") == "Nobody":
            raise forms.ValidationError("We could not find that person.")
        return data


FORM_PAGE = """{% extends "portal/base.html" %}
{% block title %}Sample form{% endblock %}
{% block content %}
{% include "includes/error_summary.html" %}
<h1>Sample form</h1>
<form method="post" novalidate>{% csrf_token %}
{% for field in form %}{% include "includes/field.html" %}{% endfor %}
<button class="button" type="submit">Continue</button>
</form>
{% endblock %}"""


def form_page(request: HttpRequest) -> HttpResponse:
    form = SampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        messages.success(request, "Saved.")
    template = engines["django"].from_string(FORM_PAGE)
    return HttpResponse(template.render({"form": form}, request))


def with_message(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Your application was sent.")
    template = engines["django"].from_string(
        '{% extends "portal/base.html" %}{% block title %}Done{% endblock %}'
        "{% block content %}<h1>Done</h1>{% endblock %}"
    )
    return HttpResponse(template.render({}, request))


def inaccessible(request: HttpRequest) -> HttpResponse:
    """An image without a text alternative, which the page's own script supplies (an inline
    script, which the site's own policy would refuse: this page brings its own)."""
    response = HttpResponse(
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1>Broken</h1><img id="chart" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "<script>document.getElementById('chart').alt = 'Chart';</script>"
        "</main></body></html>"
    )
    response["Content-Security-Policy"] = "script-src 'unsafe-inline'"
    return response


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET_DETAIL)


def bad_request(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET_DETAIL)


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("shell-test/form/", form_page, name="shell_test_form"),
    path("shell-test/message/", with_message),
    path("shell-test/inaccessible/", inaccessible),
    path("shell-test/403/", forbidden),
    path("shell-test/400/", bad_request),
    path("shell-test/500/", broken),
    path("backoffice/shell-test/403/", forbidden),
    *site_urlpatterns,
]
