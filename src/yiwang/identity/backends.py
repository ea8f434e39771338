"""Password authentication that knows which door a person came in by."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from yiwang.core.db.compiled import CompiledQuery
from yiwang.identity.constants import AccountKind, Realm

# Every signed-in request reads its account: the query is built once (see CompiledQuery).
_SESSION_ACCOUNT = CompiledQuery(
    lambda pk: get_user_model()._default_manager.select_related("person").filter(pk=pk)
)

REALM_OF_KIND = {AccountKind.CITIZEN: Realm.PORTAL, AccountKind.STAFF: Realm.BACKOFFICE}


def realm_of(account: Any) -> Realm | None:
    """The one realm an account may log in to; ``None`` for anything that is not an account."""
    kind = getattr(account, "kind", None)
    return REALM_OF_KIND.get(kind) if kind else None


class RealmBackend(ModelBackend):
    """Checks the password first and the realm second.

    Checking the password before the realm keeps the time taken and the answer the same for
    "wrong password" and "right password, wrong door", so the login page never reveals that a
    user name belongs to a staff member. A refusal here makes Django send ``user_login_failed``,
    so the attempt counts towards the lockout like any other failure.
    """

    def authenticate(  # type: ignore[override]  # adds the keyword-only realm
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        *,
        realm: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        if realm is not None and realm_of(user) != realm:
            return None
        return user

    def get_user(self, user_id: Any) -> Any:
        """The session's account, with the person behind a citizen account in the same query:
        nearly every citizen request asks who the person is."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        found = _SESSION_ACCOUNT.all(pk)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
