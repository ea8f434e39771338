"""The back-office home page: the member of staff's departments, roles and what they allow."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.views.decorators.http import require_safe

from yiwang.backoffice.roles import duties_of
from yiwang.identity import selectors
from yiwang.identity.access import staff_required


@dataclass(frozen=True)
class RoleRow:
    department: str
    role: str
    duties: tuple[Promise, ...]


@require_safe
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    rows = [
        RoleRow(
            department=membership.department.name,
            role=membership.get_role_display(),
            duties=duties_of(membership.role),
        )
        for membership in selectors.memberships_of(request.user)
    ]
    return render(request, "backoffice/home.html", {"rows": rows})
