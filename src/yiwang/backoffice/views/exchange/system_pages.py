"""Department systems and their credentials: list, issue, rotate and revoke tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role

MANAGERS = [Role.DEPARTMENT_ADMIN, Role.DATA_OFFICER, Role.PLATFORM_ADMIN]


def _system_or_404(request: HttpRequest, pk: int) -> Any:
    found = exchange.systems_for(actor=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@staff_required(roles=MANAGERS)
@require_safe
def systems(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "system": s,
            "live": [c for c in s.credentials.all() if c.revoked_at is None],
            "revoked": [c for c in s.credentials.all() if c.revoked_at is not None],
        }
        for s in exchange.systems_for(actor=request.user)
    ]
    return render(request, "backoffice/exchange/systems.html", {"rows": rows})


def _issued(request: HttpRequest, system: Any, issued: Any, rotated: bool) -> HttpResponse:
    response = render(
        request,
        "backoffice/exchange/token.html",
        {"system": system, "issued": issued, "rotated": rotated},
    )
    # The token is on this page and nowhere else: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


def _new_credential(request: HttpRequest, pk: int, *, rotate: bool) -> HttpResponse:
    system = _system_or_404(request, pk)
    make = services.rotate_credential if rotate else services.issue_credential
    try:
        issued = make(actor=request.user, system=system)
    except PermissionDenied:
        raise HttpForbidden from None
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("backoffice:exchange_systems")
    return _issued(request, system, issued, rotated=rotate)


@staff_required(roles=MANAGERS)
@require_POST
def system_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _new_credential(request, pk, rotate=False)


@staff_required(roles=MANAGERS)
@require_POST
def system_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _new_credential(request, pk, rotate=True)


@staff_required(roles=MANAGERS)
@require_POST
def system_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    system = _system_or_404(request, pk)
    prefix = request.POST.get("prefix", "").strip()
    if not prefix:
        # The service revokes every token when given no prefix; on this page that is the Rotate
        # button's job, done on purpose, never the outcome of a form that lost its prefix.
        messages.error(
            request,
            _(
                "Nothing was revoked: choose a token with the Revoke button beside it. To "
                "replace every token at once, use “Rotate: replace every token”."
            ),
        )
        return redirect("backoffice:exchange_systems")
    try:
        revoked = services.revoke_credential(actor=request.user, system=system, prefix=prefix)
    except PermissionDenied:
        raise HttpForbidden from None
    except ValidationError as exc:  # a prefix the system has no token with
        for message in exc.messages:
            messages.error(request, message)
        return redirect("backoffice:exchange_systems")
    if revoked:
        messages.success(request, _("The token is revoked. It no longer works."))
    else:
        messages.error(request, _("There was no live token to revoke."))
    return redirect("backoffice:exchange_systems")
