"""Staff roles in a department: granted and revoked."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Account, Department, Membership
from yiwang.identity.services._common import record


def grant_membership(
    *, actor: Any, account: Account, department: Department, role: str
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if account.kind != AccountKind.STAFF:
        raise ValidationError({"account": _("Only staff accounts can work in a department.")})
    if not selectors.may_grant(actor, account=account, department=department, role=role):
        raise PermissionDenied("you may not grant this role in this department")
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            account=account, department=department, role=role
        )
        if not created and membership.is_active:
            return membership
        if not created:
            membership.is_active = True
            membership.save(update_fields=["is_active", "updated_at"])
        record(
            actor=actor,
            action="identity.membership_granted",
            obj=membership,
            data={"account": account.username, "department": department.code, "role": role},
        )
    return membership


def revoke_membership(*, actor: Any, membership: Membership) -> Membership:
    if not selectors.may_grant(
        actor, account=membership.account, department=membership.department, role=membership.role
    ):
        raise PermissionDenied("you may not revoke this role in this department")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            return membership
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
        record(
            actor=actor,
            action="identity.membership_revoked",
            obj=membership,
            data={
                "account": membership.account.username,
                "department": membership.department.code,
                "role": membership.role,
            },
        )
    return membership
