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


def _staff_side(path: str) -> str | None:
    """The staff home a path belongs under (the back office's or the admin's), or None for the
    portal's."""
    for name in ("backoffice:home", "admin:index"):
        try:
            root = reverse(name)
        except NoReverseMatch:
            continue
        if path.startswith(root):
            return root if name == "backoffice:home" else reverse("backoffice:home")
    return None


def shell_base_for(path: str) -> str:
    """Base template for pages owned by neither side (error pages): staff keep their shell."""
    return "backoffice/base.html" if _staff_side(path) else "portal/base.html"


def shell_home_for(path: str) -> str:
    """Where an error page's "home page" link goes: staff to the back office, others to the
    portal."""
    return _staff_side(path) or reverse("portal:home")


def site(request: HttpRequest) -> dict[str, str]:
    language = get_language()
    return {
        "site_name": site_name_for(language),
        "html_lang": html_lang(language),
        "shell_base": shell_base_for(request.path),
        "shell_home": shell_home_for(request.path),
    }
