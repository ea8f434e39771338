"""Reads of identity data, always answered for a given actor.

Other apps ask these questions instead of querying identity's models, so the rules for who works
where and who may act for which firm live in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.core import clock
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Account, Department, Firm, FirmRepresentative, Membership, Person


def _account(actor: Any) -> Account | None:
    """The active account behind an actor, or ``None`` (anonymous, the platform, inactive)."""
    if isinstance(actor, Account) and actor.is_active and actor.pk is not None:
        return actor
    return None


def is_system_actor(actor: Any) -> bool:
    """True for the platform acting on its own (loaders, commands, scheduled jobs)."""
    if isinstance(actor, Account) or actor is None:
        return False
    from yiwang.audit.actors import Actor
    from yiwang.audit.constants import ActorType

    return isinstance(actor, Actor) and actor.type == ActorType.SYSTEM


def is_platform_admin(actor: Any) -> bool:
    account = _account(actor)
    if account is None or account.kind != AccountKind.STAFF:
        return False
    if account.is_superuser:
        return True
    return account.memberships.in_force().filter(role=Role.PLATFORM_ADMIN).exists()


def memberships_of(account: Any) -> QuerySet[Membership]:
    """Active memberships of a staff account in active departments, department loaded."""
    staff = _account(account)
    if staff is None or staff.kind != AccountKind.STAFF:
        return Membership.objects.none()
    return (
        Membership.objects.in_force()
        .filter(account=staff)
        .select_related("department", "department__region")
        .order_by("department__code", "role")
    )


def staff_roles(actor: Any, department: Department | None = None) -> frozenset[str]:
    """The roles an actor holds, in one department or (without one) in any department."""
    memberships = memberships_of(actor)
    if department is not None:
        memberships = memberships.filter(department=department)
    return frozenset(memberships.values_list("role", flat=True))


def departments_for(actor: Any) -> QuerySet[Department]:
    """Departments the actor works in (any active role)."""
    account = _account(actor)
    if account is None or account.kind != AccountKind.STAFF:
        return Department.objects.none()
    return Department.objects.filter(
        is_active=True, memberships__account=account, memberships__is_active=True
    ).distinct()


def administered_departments(actor: Any) -> QuerySet[Department]:
    """Departments whose staff and settings the actor may manage.

    Platform admins manage every department; department admins manage their own.
    """
    if is_platform_admin(actor) or is_system_actor(actor):
        return Department.objects.all()
    account = _account(actor)
    if account is None or account.kind != AccountKind.STAFF:
        return Department.objects.none()
    return Department.objects.filter(
        is_active=True,
        memberships__account=account,
        memberships__role=Role.DEPARTMENT_ADMIN,
        memberships__is_active=True,
    ).distinct()


# Roles with power beyond one department: an auditor reads every department's audit events, a
# platform admin manages everything.
PLATFORM_WIDE_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
# Roles only platform admins hand out, and whose holders only platform admins manage: the
# platform-wide ones, and the department admin's own. A department admin who could make another
# could have that one grant them what they may not grant themselves (or take over the other's
# account); admins and auditors answer to the platform, not to a peer.
PLATFORM_GRANTED_ROLES = PLATFORM_WIDE_ROLES | {Role.DEPARTMENT_ADMIN}


def grantable_roles(actor: Any) -> list[str]:
    """Roles the actor may hand out: department admins never create admins or auditors."""
    if is_platform_admin(actor) or is_system_actor(actor):
        return list(Role.values)
    if administered_departments(actor).exists():
        return [role for role in Role.values if role not in PLATFORM_GRANTED_ROLES]
    return []


def is_own_account(actor: Any, account: Account | None) -> bool:
    """Whether ``account`` is the actor's own (an account not yet saved is nobody's)."""
    own = _account(actor)
    return own is not None and account is not None and account.pk == own.pk


def may_grant(actor: Any, *, account: Account, department: Department, role: str) -> bool:
    """Whether the actor may grant, change, re-activate or revoke ``account``'s ``role`` in
    ``department``.

    Nobody but a platform admin (or the platform itself) touches the memberships of their own
    account: a department admin who could would make themselves whatever they liked, with only
    their own word for it. Nor those of an account that answers to the platform
    (:func:`answers_to_platform`): department admins do not appoint or manage each other.
    """
    if is_platform_admin(actor) or is_system_actor(actor):
        return True
    if is_own_account(actor, account):
        return False
    if role not in grantable_roles(actor) or answers_to_platform(account):
        return False
    return administered_departments(actor).filter(pk=department.pk).exists()


def answers_to_platform(account: Account) -> bool:
    """Whether only platform admins manage the account and its roles: it holds a role only they
    grant (an admin, an auditor), or is a superuser."""
    return bool(account.is_superuser) or (
        account.pk is not None
        and Membership.objects.filter(
            account=account, is_active=True, role__in=PLATFORM_GRANTED_ROLES
        ).exists()
    )


def staff_accounts_for(actor: Any) -> QuerySet[Account]:
    """Accounts an admin may see: all for platform admins, their departments' staff otherwise."""
    if is_platform_admin(actor) or is_system_actor(actor):
        return Account.objects.all()
    departments = administered_departments(actor)
    return Account.objects.filter(
        kind=AccountKind.STAFF, memberships__department__in=departments
    ).distinct()


def may_manage_account(actor: Any, account: Account) -> bool:
    """Whether the actor may change an account (details, password, active flag).

    A department admin may manage a staff account only when every department the account works
    in is one they administer and the account holds no role that only platform admins grant
    (an admin, an auditor); otherwise they could lock out or take over someone who answers to
    another department, or to the platform.
    """
    if is_platform_admin(actor) or is_system_actor(actor):
        return True
    if account.kind != AccountKind.STAFF or account.is_superuser:
        return False
    if _account(actor) is not None and _account(actor) == account:
        return False  # own details are changed by a platform admin, not by self-promotion
    if answers_to_platform(account):
        return False
    active = Membership.objects.filter(account=account, is_active=True)
    administered = set(administered_departments(actor).values_list("pk", flat=True))
    departments = set(active.values_list("department_id", flat=True))
    if not departments:
        # An account with no active membership: manageable by an admin of a department it
        # used to work in, so that leavers can be deactivated.
        departments = set(
            Membership.objects.filter(account=account).values_list("department_id", flat=True)
        )
    return bool(departments) and departments <= administered


def person_for(account: Any) -> Person | None:
    """The person behind a citizen account, if the account is linked to one."""
    citizen = _account(account)
    if citizen is None or citizen.kind != AccountKind.CITIZEN:
        return None
    try:
        # Cached on the account object: one read per request, however many checks ask.
        return citizen.person
    except Person.DoesNotExist:
        return None


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def representations_of(actor: Any, *, on: dt.date | None = None) -> QuerySet[FirmRepresentative]:
    person = person_for(actor)
    if person is None:
        return FirmRepresentative.objects.none()
    day = on or timezone.localdate(clock.now())
    return FirmRepresentative.objects.filter(_valid_on(day), person=person).select_related("firm")


def firms_actor_may_act_for(actor: Any, *, on: dt.date | None = None) -> QuerySet[Firm]:
    """Firms for which the actor's person is a representative on the given day (today)."""
    valid = representations_of(actor, on=on)
    return Firm.objects.filter(pk__in=valid.values("firm_id")).order_by("name")


def can_act_for_firm(actor: Any, firm: Firm, *, on: dt.date | None = None) -> bool:
    return representations_of(actor, on=on).filter(firm_id=firm.pk).exists()


def department_names(codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The Chinese and English names of the departments with these codes, of those that exist.

    Names of departments are public facts, so no actor is needed; logs and definitions keep only
    the codes (a code no longer found named the department of its day)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = Department.objects.filter(code__in=wanted).values_list("code", "name_zh", "name_en")
    return {code: (zh, en) for code, zh, en in rows}
