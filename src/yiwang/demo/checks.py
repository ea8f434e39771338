"""A production site must not hold the demo's logins: their password is printed for everyone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError


@register(Tags.database)
def check_no_demo_logins(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """yiwang.E050 when production mode runs on a database with an active demo login (a demo
    loaded before the switch to production: `load-demo` and `demo` refuse production mode)."""
    if not settings.PRODUCTION or not databases:
        return []
    from yiwang.demo import loader
    from yiwang.identity.models import Account

    names = [login.username for login in loader.logins(loader.read_world())]
    try:
        found = list(
            Account.objects.filter(username__in=names, is_active=True)
            .order_by("username")
            .values_list("username", flat=True)[:5]
        )
    except DatabaseError:
        return []  # yiwang.E030 says why the database cannot be asked
    if not found:
        return []
    return [
        Error(
            "The database holds the demo's logins, whose password is printed in the demo and its "
            f"documentation: {', '.join(found)}.",
            hint="Deactivate or remove these accounts (the admin's account list), or start the "
            "production site on a database of its own.",
            id="yiwang.E050",
        )
    ]
