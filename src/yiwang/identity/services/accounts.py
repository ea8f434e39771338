"""New accounts: a citizen's own registration and a staff login made by an admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.core.errors import PermissionDenied
from yiwang.identity import domain, selectors
from yiwang.identity.constants import AccountKind, IdKind
from yiwang.identity.models import Account, Department, Person
from yiwang.identity.services._common import check_new_password, record, store_password
from yiwang.identity.services.memberships import grant_membership


def _taken_username(username: str) -> ValidationError:
    return ValidationError({"username": _("This user name is already taken; choose another.")})


def register_citizen(
    *,
    actor: Any,
    username: str,
    password: str | None,
    name: str,
    national_id: str | None = None,
    id_kind: str = IdKind.NATIONAL_ID,
    passport_number: str = "",
    nationality: str = "",
    birth_date: dt.date | None = None,
    phone: str = "",
    email: str = "",
    display_name: str = "",
) -> Account:
    """Create a citizen account and link it to the person it belongs to.

    A person already known to the platform (for example from a registry import) without an
    account is linked rather than duplicated; a person who already has an account is refused, so
    one person never holds two citizen logins.
    """
    if id_kind == IdKind.NATIONAL_ID:
        try:
            national_id = domain.normalise_national_id(national_id or "")
        except domain.IdentifierError as exc:
            raise ValidationError(
                {"national_id": ValidationError(exc.message, code=exc.code)}
            ) from exc
        birth_date = birth_date or domain.birth_date_from_national_id(national_id)
        lookup: dict[str, Any] = {"national_id": national_id}
    else:
        passport_number = passport_number.strip().upper()
        nationality = nationality.strip().upper()
        if not passport_number or len(nationality) != 3:
            raise ValidationError(
                _("A foreign person needs a passport number and a three-letter nationality.")
            )
        national_id = None
        lookup = {
            "id_kind": IdKind.PASSPORT,
            "passport_number": passport_number,
            "nationality": nationality,
        }

    account = Account(
        username=username.strip(),
        kind=AccountKind.CITIZEN,
        display_name=display_name or name,
        email=email,
    )
    check_new_password(password, account)
    store_password(account, password)

    with transaction.atomic():
        if Account.objects.filter(username__iexact=account.username).exists():
            raise _taken_username(account.username)
        person = Person.objects.select_for_update().filter(**lookup).first()
        if person is not None and person.account_id is not None:
            raise ValidationError(
                _("An account already exists for this person. Log in, or reset the password.")
            )
        try:
            account.save()
        except IntegrityError as exc:  # a concurrent registration took the name first
            raise _taken_username(account.username) from exc
        if person is None:
            person = Person(
                id_kind=id_kind,
                national_id=national_id,
                passport_number=passport_number,
                nationality=nationality,
            )
        person.account = account
        person.name = person.name or name
        person.birth_date = person.birth_date or birth_date
        person.phone = person.phone or phone
        person.email = person.email or email
        person.full_clean(exclude=["account"], validate_unique=False)
        person.save()
        record(
            actor=actor,
            action="identity.citizen_registered",
            obj=account,
            subjects=[person],
            data={"id_kind": id_kind},
        )
    return account


def create_staff_account(
    *,
    actor: Any,
    username: str,
    display_name: str = "",
    email: str = "",
    password: str | None = None,
    department: Department | None = None,
    role: str | None = None,
    is_superuser: bool = False,
) -> Account:
    """Create a staff login, optionally with its first membership.

    Department admins must place the new account in a department they administer, otherwise it
    would be created outside anyone's view.
    """
    account = Account(
        username=username.strip(),
        kind=AccountKind.STAFF,
        display_name=display_name,
        email=email,
        is_superuser=is_superuser,
    )
    platform = selectors.is_platform_admin(actor) or selectors.is_system_actor(actor)
    if not platform:
        if department is None or role is None:
            raise PermissionDenied("a department admin must give the new account a department")
        if not selectors.may_grant(actor, account=account, department=department, role=role):
            raise PermissionDenied("you may not grant this role in this department")
    if is_superuser and not (
        selectors.is_system_actor(actor) or getattr(actor, "is_superuser", False)
    ):
        raise PermissionDenied("only a superuser may create another superuser")
    if (department is None) != (role is None):
        raise ValidationError(_("Give both a department and a role, or neither."))

    check_new_password(password, account)
    store_password(account, password)
    with transaction.atomic():
        if Account.objects.filter(username__iexact=account.username).exists():
            raise _taken_username(account.username)
        try:
            account.save()
        except IntegrityError as exc:
            raise _taken_username(account.username) from exc
        record(
            actor=actor,
            action="identity.staff_account_created",
            obj=account,
            data={"is_superuser": is_superuser},
        )
        if department is not None and role is not None:
            grant_membership(actor=actor, account=account, department=department, role=role)
    return account
