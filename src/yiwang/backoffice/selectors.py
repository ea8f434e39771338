"""Reads the back office needs that no domain app offers yet.

``assignees_for`` belongs with identity's selectors ("staff of a department holding these
roles"); it lives here until identity offers it, and reads identity's tables only for that.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yiwang.identity import selectors as identity
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Account


def may_hand_out(actor: Any, department_id: int) -> bool:
    """Team leads and approvers hand out their department's tasks (the workflow's rule)."""
    return (
        identity.memberships_of(actor)
        .filter(department_id=department_id, role__in=[Role.TEAM_LEAD, Role.APPROVER])
        .exists()
    )


def assignees_for(*, actor: Any, task: Any) -> QuerySet[Account]:
    """Clerks the actor may hand ``task`` to: active staff of its department holding the step's
    role or team lead. Nothing unless the actor may hand out that department's tasks."""
    if not may_hand_out(actor, task.department_id):
        return Account.objects.none()
    return (
        Account.objects.filter(
            kind=AccountKind.STAFF,
            is_active=True,
            memberships__department_id=task.department_id,
            memberships__is_active=True,
            memberships__role__in=[task.role, Role.TEAM_LEAD],
        )
        .distinct()
        .order_by("display_name", "username")
    )
