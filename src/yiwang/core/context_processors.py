"""Template context every page needs, whatever app renders it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language


def site_name_for(language: str | None) -> str:
    """The configured site name in ``language``; Chinese unless the language is English."""
    if (language or "").lower().startswith("en"):
        return str(settings.YIWANG_SITE_NAME_EN)
    return str(settings.YIWANG_SITE_NAME_ZH)


def html_lang(language: str | None) -> str:
    """A BCP 47 tag for the ``lang`` attribute: Django's ``zh-hans`` becomes ``zh-Hans``."""
    parts = (language or settings.LANGUAGE_CODE).split("-")
    tag = [parts[0].lower()]
    for part in parts[1:]:
        # Script subtags are title case, region subtags upper case (RFC 5646 section 2.1.1).
        tag.append(part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part)
    return "-".join(tag)


def shell_base_for(path: str) -> str:
    """Base template for pages owned by neither side (error pages): staff keep their shell."""
    try:
        backoffice_root = reverse("backoffice:home")
    except NoReverseMatch:
        return "portal/base.html"
    return "backoffice/base.html" if path.startswith(backoffice_root) else "portal/base.html"


def site(request: HttpRequest) -> dict[str, str]:
    language = get_language()
    return {
        "site_name": site_name_for(language),
        "html_lang": html_lang(language),
        "shell_base": shell_base_for(request.path),
    }
