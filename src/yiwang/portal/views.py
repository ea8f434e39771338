"""The portal's own pages: the home page and what this site is. Services live in their apps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Browsers ask for /favicon.ico whatever the page links to; the site's icon is an SVG among the
# static files (a theme directory may replace it). A temporary redirect, cached for a day, so a
# new icon is picked up.
FAVICON = "yiwang/img/favicon.svg"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(static(FAVICON))
