"""Department systems and their credentials, for the people who manage them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yiwang.exchange.models import DepartmentSystem
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role


def systems_for(*, actor: Any) -> QuerySet[DepartmentSystem]:
    """Systems of the departments whose systems the actor manages (their department admins and
    data officers, as the credential services require; every one for the platform), with
    their credentials."""
    base = DepartmentSystem.objects.select_related("department").prefetch_related("credentials")
    if identity_selectors.is_platform_admin(actor) or identity_selectors.is_system_actor(actor):
        return base.order_by("department__code", "name")
    departments = (
        identity_selectors.memberships_of(actor)
        .filter(role__in=(Role.DEPARTMENT_ADMIN, Role.DATA_OFFICER))
        .values_list("department_id", flat=True)
    )
    return base.filter(department_id__in=departments).order_by("department__code", "name")
