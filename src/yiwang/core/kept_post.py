"""What a person sent, kept on the page that refuses it, so that nothing typed is lost.

A form can be refused before any view reads it: its CSRF token has expired (the page was open
for long, or the person logged in or out in another tab), or the login behind it has ended.
The refusal page then holds what was sent, as hidden fields of a form that sends it again to
the same address with a fresh token, and lists it so it can be copied. Passwords are never put
back into a page; files cannot be (a browser sends a file only from a file input), and the page
says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

_NEVER_KEPT = frozenset({"csrfmiddlewaretoken"})


@dataclass(frozen=True)
class KeptPost:
    action: str  # where the form was sent
    fields: list[tuple[str, str]]  # every value sent, in order, but tokens and passwords
    files_left_out: bool  # files were chosen, and must be chosen again


def kept_post(request: HttpRequest) -> KeptPost | None:
    """What ``request`` sent, or None when it sent nothing worth sending again."""
    if request.method != "POST":
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NEVER_KEPT and "password" not in name.lower()
        for value in values
    ]
    files = bool(request.FILES)
    if not fields and not files:
        return None
    return KeptPost(action=request.path, fields=fields, files_left_out=files)
