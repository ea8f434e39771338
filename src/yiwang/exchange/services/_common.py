"""Helpers the exchange services share: who the actor is, and writing the audit event."""

from __future__ import annotations

from typing import Any

from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role


def record(**kwargs: Any) -> Any:
    from yiwang.audit.services import record_event

    return record_event(**kwargs)


def system_model() -> Any:
    from yiwang.exchange.models import DepartmentSystem

    return DepartmentSystem


def is_department_system(actor: Any) -> bool:
    return isinstance(actor, system_model())


def audit_actor(actor: Any) -> Any:
    """What the audit log records as the actor: accounts as they are, systems by name."""
    if is_department_system(actor):
        from yiwang.audit.actors import Actor
        from yiwang.exchange.constants import SYSTEM_ROLE

        return Actor(
            type="system",
            id=f"department-system.{actor.pk}",
            label=str(actor),
            department=actor.department.code,
            role=SYSTEM_ROLE,
        )
    return actor


def actor_label(actor: Any) -> str:
    if is_department_system(actor):
        return str(actor.audit_name)
    if hasattr(actor, "get_username"):
        return str(actor)
    return str(getattr(actor, "name", actor))


def is_platform(actor: Any) -> bool:
    """The platform itself (loaders, commands) or a platform admin."""
    return identity_selectors.is_system_actor(actor) or identity_selectors.is_platform_admin(actor)


def has_role(actor: Any, department_id: int, *roles: str) -> bool:
    return (
        identity_selectors.memberships_of(actor)
        .filter(department_id=department_id, role__in=roles)
        .exists()
    )


def is_data_officer(actor: Any, department_id: int) -> bool:
    return has_role(actor, department_id, Role.DATA_OFFICER)


def require_data_officer(actor: Any, department_id: int, what: str) -> None:
    if not is_data_officer(actor, department_id):
        raise PermissionDenied(f"only a data officer of the department may {what}")


def require_registry_owner(actor: Any, department_id: int) -> None:
    """The owning department's data officers and its own active systems."""
    if is_department_system(actor):
        if actor.is_active and actor.department_id == department_id:
            fresh = (
                system_model()
                .objects.filter(pk=actor.pk, is_active=True, department__is_active=True)
                .exists()
            )
            if fresh:
                return
        raise PermissionDenied("only the registry's own department may do this")
    if not is_data_officer(actor, department_id):
        raise PermissionDenied("only the registry's own department may do this")
