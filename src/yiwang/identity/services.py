"""Writes to identity data. Each one checks the actor, runs in a transaction and is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.identity import domain, selectors
from yiwang.identity.backends import realm_of
from yiwang.identity.constants import (
    PASSWORD_CHANGE_CHECK,
    AccountKind,
    IdKind,
    RegionLevel,
    RepresentativeRole,
    Role,
)
from yiwang.identity.models import (
    Account,
    Department,
    Firm,
    FirmRepresentative,
    Membership,
    PasswordResetMail,
    Person,
    Region,
)

# Field values that are safe and useful to keep in the audit log. Everything else an admin edits
# is recorded by field name only, so that personal data never lands in the append-only log.
AUDITED_VALUES = frozenset(
    {
        "code",
        "level",
        "kind",
        "role",
        "is_active",
        "is_superuser",
        "department",
        "region",
        "parent",
        "valid_from",
        "valid_until",
        "uscc",
        "id_kind",
    }
)
NEVER_AUDITED = frozenset({"password", "last_login"})


def _record(**kwargs: Any) -> Any:
    from yiwang.audit.services import record_event

    return record_event(**kwargs)


def _require_platform(actor: Any) -> None:
    if not (selectors.is_platform_admin(actor) or selectors.is_system_actor(actor)):
        raise PermissionDenied("only a platform admin may do this")


def _check_password(password: str | None, account: Account) -> None:
    if password is not None:
        validate_password(password, user=account)


def _set_password(account: Account, password: str | None) -> None:
    if password is None:
        account.set_unusable_password()
    else:
        account.set_password(password)


def _taken_username(username: str) -> ValidationError:
    return ValidationError({"username": _("This user name is already taken; choose another.")})


# --- Accounts -------------------------------------------------------------------------------


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
            raise ValidationError({"national_id": str(exc)}) from exc
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
    _check_password(password, account)
    _set_password(account, password)

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
        _record(
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

    _check_password(password, account)
    _set_password(account, password)
    with transaction.atomic():
        if Account.objects.filter(username__iexact=account.username).exists():
            raise _taken_username(account.username)
        try:
            account.save()
        except IntegrityError as exc:
            raise _taken_username(account.username) from exc
        _record(
            actor=actor,
            action="identity.staff_account_created",
            obj=account,
            data={"is_superuser": is_superuser},
        )
        if department is not None and role is not None:
            grant_membership(actor=actor, account=account, department=department, role=role)
    return account


# The reasons of ``set_password`` after which the account holder is told by e-mail: the ones
# where the holder (or whoever holds their mailbox or password) set it. An admin setting a
# staff member's password, or a data load, tells nobody.
HOLDER_SET_REASONS = frozenset({"reset", "self"})


def _tell_holder_password_changed(account: Account, *, how: str, event: Any) -> None:
    """Tell the account holder that their password changed, when, and what to do if it was not
    them: by e-mail (if the account has an address) and in their inbox.

    Called inside the change's transaction: the notifications outbox writes the message with
    the change and sends the e-mail only once it commits, so a change that rolls back sends
    nothing. The message is in the language the person is using the site in. The audit event's
    id tells two changes apart, so each change is told once and every change is told.
    """
    from yiwang.notifications import services as notifications
    from yiwang.notifications.constants import Event

    notifications.notify(
        event=Event.PASSWORD_CHANGED,
        accounts=[account],
        language=translation.get_language(),
        discriminator=str(event.pk),
        context={
            "account": account,
            "how": how,
            "realm": realm_of(account),
            "changed_at": event.created_at,
        },
    )


def set_password(*, actor: Any, account: Account, password: str | None, reason: str) -> Account:
    """Set (or, with ``None``, disable) an account's password.

    ``reason`` says how the change came about (``reset`` by e-mail link, ``admin``, ``self``,
    ``load``) and is kept in the audit log; the password itself never is. A reset by e-mail also
    lifts a lockout on the user name: proving control of the mailbox is the way out of it. After
    a ``reset`` (or ``self``) the account holder is told by e-mail once the change commits.
    """
    is_self = isinstance(actor, Account) and actor.pk == account.pk
    if not (is_self or selectors.may_manage_account(actor, account)):
        raise PermissionDenied("you may not change this account's password")
    _check_password(password, account)
    with transaction.atomic():
        _set_password(account, password)
        account.save(update_fields=["password"])
        event = _record(
            actor=actor,
            action="identity.password_set",
            obj=account,
            data={"reason": reason, "usable": password is not None},
        )
        if reason in HOLDER_SET_REASONS and password is not None:
            _tell_holder_password_changed(account, how=reason, event=event)
    if reason == "reset":
        from axes.utils import reset as axes_reset

        axes_reset(username=account.get_username())
    return account


def change_password(
    *, actor: Any, account: Account, current: str, new: str, request: HttpRequest
) -> Account:
    """A logged-in person replaces their own password, proving first that they know it.

    The current password is checked the way the log-in page checks one (``authenticate`` with
    the account's user name and realm), so a wrong one is a failed log-in to django-axes: it
    counts against the user name and the client address (each with its own limit); at a limit
    that one is locked and the middleware answers with the lock-out page. While a lock lasts,
    even the right password is refused. Refusals are audited as
    ``identity.password_change_refused``.

    On success the request's session stays logged in (under a new key) and every other session
    of the account ends at its next request: Django ties each session to a hash of the password,
    and that hash has changed. The failures counted against the user name are cleared, as after
    a successful log-in, and the account holder is told by e-mail once the change commits.
    Neither password ever reaches the audit log.
    """
    if not (isinstance(actor, Account) and actor.pk == account.pk and account.is_active):
        raise PermissionDenied("only the account itself may change its password this way")
    realm = realm_of(account)
    if new == current:
        raise ValidationError(
            {"new": _("The new password is the same as the current one. Choose a different one.")}
        )
    try:
        validate_password(new, user=account)
    except ValidationError as exc:
        raise ValidationError({"new": exc.error_list}) from exc

    checked = authenticate(
        request,
        username=account.get_username(),
        password=current,
        realm=realm,
        purpose=PASSWORD_CHANGE_CHECK,
    )
    if checked is None or checked.pk != account.pk:
        locked = bool(getattr(request, "axes_locked_out", False))
        with transaction.atomic():
            _record(
                actor=actor,
                action="identity.password_change_refused",
                obj=account,
                data={"realm": realm, "reason": "locked" if locked else "wrong_current_password"},
            )
        raise ValidationError(
            {"current": _("Your current password is wrong. Type it again.")},
            code="password_incorrect",
        )

    with transaction.atomic():
        account.set_password(new)
        account.save(update_fields=["password"])
        event = _record(
            actor=actor, action="identity.password_changed", obj=account, data={"realm": realm}
        )
        update_session_auth_hash(request, account)
        _tell_holder_password_changed(account, how="self", event=event)

    from axes.utils import reset as axes_reset

    axes_reset(username=account.get_username())
    return account


# --- Memberships ----------------------------------------------------------------------------


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
        _record(
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
        _record(
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


# --- Regions, departments, firms --------------------------------------------------------------


def create_region(
    *, actor: Any, code: str, name_zh: str, name_en: str, level: str, parent: Region | None = None
) -> Region:
    _require_platform(actor)
    if level not in RegionLevel.values:
        raise ValidationError({"level": _("Unknown region level.")})
    region = Region(code=code, name_zh=name_zh, name_en=name_en, level=level, parent=parent)
    region.full_clean()
    with transaction.atomic():
        region.save()
        _record(
            actor=actor,
            action="identity.region_created",
            obj=region,
            data={"code": code, "level": level},
        )
    return region


def create_department(
    *, actor: Any, code: str, name_zh: str, name_en: str, region: Region
) -> Department:
    _require_platform(actor)
    department = Department(code=code, name_zh=name_zh, name_en=name_en, region=region)
    department.full_clean()
    with transaction.atomic():
        department.save()
        _record(
            actor=actor,
            action="identity.department_created",
            obj=department,
            data={"code": code, "region": region.code},
        )
    return department


def create_firm(
    *, actor: Any, uscc: str, name: str, name_en: str = "", region: Region | None = None
) -> Firm:
    _require_platform(actor)
    try:
        uscc = domain.normalise_uscc(uscc)
    except domain.IdentifierError as exc:
        raise ValidationError({"uscc": str(exc)}) from exc
    firm = Firm(uscc=uscc, name=name, name_en=name_en, region=region)
    firm.full_clean()
    with transaction.atomic():
        firm.save()
        _record(
            actor=actor,
            action="identity.firm_created",
            obj=firm,
            subjects=[firm],
            data={"uscc": uscc},
        )
    return firm


def add_firm_representative(
    *,
    actor: Any,
    firm: Firm,
    person: Person,
    role: str = RepresentativeRole.LEGAL_REPRESENTATIVE,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> FirmRepresentative:
    """Record that a person may act for a firm from ``valid_from`` (today) to ``valid_until``."""
    _require_platform(actor)
    if role not in RepresentativeRole.values:
        raise ValidationError({"role": _("Unknown representative role.")})
    valid_from = valid_from or timezone.localdate(clock.now())
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date must not be before the start date.")})
    with transaction.atomic():
        representation, created = FirmRepresentative.objects.select_for_update().get_or_create(
            firm=firm,
            person=person,
            role=role,
            defaults={"valid_from": valid_from, "valid_until": valid_until},
        )
        if not created:
            representation.valid_from = valid_from
            representation.valid_until = valid_until
            representation.save(update_fields=["valid_from", "valid_until", "updated_at"])
        _record(
            actor=actor,
            action="identity.firm_representative_added",
            obj=representation,
            subjects=[person, firm],
            data={
                "role": role,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )
    return representation


# --- Edits through the admin ----------------------------------------------------------------


def _may_administer(actor: Any, instance: models.Model) -> bool:
    if selectors.is_platform_admin(actor) or selectors.is_system_actor(actor):
        return True
    if isinstance(instance, Department):
        return selectors.administered_departments(actor).filter(pk=instance.pk).exists()
    if isinstance(instance, Account):
        return instance.pk is not None and selectors.may_manage_account(actor, instance)
    if isinstance(instance, Membership):
        return selectors.may_grant(
            actor, account=instance.account, department=instance.department, role=instance.role
        )
    return False


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _subjects(instance: models.Model) -> list[Any]:
    if isinstance(instance, Person | Firm):
        return [instance]
    if isinstance(instance, FirmRepresentative):
        return [instance.person, instance.firm]
    return []


def save_record(
    *, actor: Any, instance: models.Model, created: bool, fields: Iterable[str] = ()
) -> models.Model:
    """Save an identity record edited in the admin, with its audit event.

    The admin's own form has validated the values; this checks that the actor may touch the
    record at all and writes down which fields changed (with values only for fields that carry
    no personal data).
    """
    if not _may_administer(actor, instance):
        raise PermissionDenied("you may not change this record")
    fields = list(fields)
    makes_superuser = (
        isinstance(instance, Account)
        and instance.is_superuser
        and (created or "is_superuser" in fields)
    )
    if makes_superuser and not (
        selectors.is_system_actor(actor) or getattr(actor, "is_superuser", False)
    ):
        raise PermissionDenied("only a superuser may make another superuser")
    changed = [f for f in fields if f not in NEVER_AUDITED]
    values = {f: _audit_value(getattr(instance, f, None)) for f in changed if f in AUDITED_VALUES}
    name = instance._meta.model_name
    with transaction.atomic():
        instance.save()
        _record(
            actor=actor,
            action=f"identity.{name}_{'created' if created else 'changed'}",
            obj=instance,
            subjects=_subjects(instance),
            data={"fields": sorted(changed), "values": values},
        )
    return instance


def delete_record(*, actor: Any, instance: models.Model) -> None:
    if not _may_administer(actor, instance):
        raise PermissionDenied("you may not delete this record")
    name = instance._meta.model_name
    object_id = str(instance.pk)
    subjects = _subjects(instance)
    with transaction.atomic():
        _record(
            actor=actor,
            action=f"identity.{name}_deleted",
            obj=instance,
            subjects=subjects,
            data={"id": object_id},
        )
        instance.delete()


# Reset e-mails sent within this window count towards the limits below. Past them a request
# still gets the same neutral answer (so the page tells nobody anything), but no e-mail: the
# form cannot be used to flood someone's mailbox, or to send mail in bulk from one address.
PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)
PASSWORD_RESET_MAILS_PER_ACCOUNT = 3
PASSWORD_RESET_MAILS_PER_ADDRESS = 20


def request_password_reset(
    *, actor: Any, accounts: Iterable[Account], realm: str, address: str | None
) -> list[Account]:
    """Decide which of ``accounts`` (those of the e-mail address someone typed) get a reset
    link now, note it, and return them; the caller sends the e-mails.

    Each link sent is kept for an hour (:class:`PasswordResetMail`, never the link itself) and
    audited as ``identity.password_reset_requested``. A link beyond the limits — per account,
    and per client ``address`` that asked — is not sent and is audited as
    ``identity.password_reset_withheld`` with the limit that held it back.
    """
    now = clock.now()
    since = now - PASSWORD_RESET_WINDOW
    to_mail: list[Account] = []
    with transaction.atomic():
        PasswordResetMail.objects.filter(sent_at__lt=since).delete()
        from_address = (
            PasswordResetMail.objects.filter(ip_address=address, sent_at__gte=since).count()
            if address
            else 0
        )
        for account in accounts:
            # Two requests for one account at once are counted one after the other.
            list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk"))
            to_account = PasswordResetMail.objects.filter(account=account, sent_at__gte=since)
            if to_account.count() >= PASSWORD_RESET_MAILS_PER_ACCOUNT:
                withheld = "account_limit"
            elif from_address >= PASSWORD_RESET_MAILS_PER_ADDRESS:
                withheld = "address_limit"
            else:
                withheld = ""
            if withheld:
                _record(
                    actor=actor,
                    action="identity.password_reset_withheld",
                    obj=account,
                    data={"realm": realm, "reason": withheld},
                )
                continue
            PasswordResetMail.objects.create(account=account, ip_address=address, sent_at=now)
            from_address += 1
            _record(
                actor=actor,
                action="identity.password_reset_requested",
                obj=account,
                data={"realm": realm},
            )
            to_mail.append(account)
    return to_mail
