"""Log-in lock-out: django-axes per user name, plus a higher limit per client address.

django-axes keeps each failed log-in in the database (one row per user name, address and
browser) and locks on one limit, ``AXES_FAILURE_LIMIT``, counted per user name
(``AXES_LOCKOUT_PARAMETERS``). It cannot hold a second, different limit, so this handler adds one:
the failures from one client address, for every user name, counted from the same rows over the
same window (``AXES_COOLOFF_TIME``), lock that address at ``YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT``.

The address is :func:`yiwang.core.client_address.client_ip` (``AXES_CLIENT_IP_CALLABLE``), which
trusts no header the client writes; the browser's User-Agent plays no part, so changing it does
not escape the count. The limit is far above the user name's, because many people can share one
address (an office behind one NAT) and each of them mistypes now and then.

An address lock looks exactly like a user-name lock: axes's flag on the request, its
``user_locked_out`` signal (audited as ``identity.lockout``) and the same lock page.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

# Set on a request locked out by its address (not its user name), for the audit event.
ADDRESS_LOCK_ATTR = "yiwang_address_locked"


def address_failures(request: HttpRequest) -> int:
    """Failed log-ins from the request's client address still counted, for every user name."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = (
        AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
        )
        .aggregate(total=Sum("failures_since_start"))
        .get("total")
    )
    return int(total or 0)


def address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """axes's database handler with the per-address limit added (``AXES_HANDLER``)."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or address_locked(request)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return  # no request to lock, or the user name's limit already locked it
        if address_locked(request):
            # As axes does for the user name: the attempt that reaches the limit gets the lock.
            setattr(request, ADDRESS_LOCK_ATTR, True)
            request.axes_locked_out = True  # type: ignore[attr-defined]  # axes's request flag
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )
