"""The portal's own pages: the home page and what this site is. Services live in their apps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")
