"""Passwords: set, changed by their holder, and reset links asked for (within their limits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors
from yiwang.identity.backends import realm_of
from yiwang.identity.constants import PASSWORD_CHANGE_CHECK
from yiwang.identity.models import Account, PasswordResetMail
from yiwang.identity.services._common import check_new_password, record, store_password

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
    check_new_password(password, account)
    with transaction.atomic():
        store_password(account, password)
        account.save(update_fields=["password"])
        event = record(
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
            record(
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
        event = record(
            actor=actor, action="identity.password_changed", obj=account, data={"realm": realm}
        )
        update_session_auth_hash(request, account)
        _tell_holder_password_changed(account, how="self", event=event)

    from axes.utils import reset as axes_reset

    axes_reset(username=account.get_username())
    return account


# Reset e-mails sent within this window count towards the limits (the settings
# YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT and _PER_ADDRESS). Past them a request still gets the
# same neutral answer (so the page tells nobody anything), but no e-mail: the form cannot be used
# to flood someone's mailbox, or to send mail in bulk from one address.
PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)


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
            if to_account.count() >= settings.YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT:
                withheld = "account_limit"
            elif from_address >= settings.YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS:
                withheld = "address_limit"
            else:
                withheld = ""
            if withheld:
                record(
                    actor=actor,
                    action="identity.password_reset_withheld",
                    obj=account,
                    data={"realm": realm, "reason": withheld},
                )
                continue
            PasswordResetMail.objects.create(account=account, ip_address=address, sent_at=now)
            from_address += 1
            record(
                actor=actor,
                action="identity.password_reset_requested",
                obj=account,
                data={"realm": realm},
            )
            to_mail.append(account)
    return to_mail
