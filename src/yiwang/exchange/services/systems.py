"""Department systems and their API credentials.

A token looks like ``ywds_<prefix>_<secret>``. Only the SHA-256 of the whole token is stored;
the prefix is stored in clear to find the row without scanning. The secret carries 256 bits of
randomness, so a fast hash is enough: there is nothing to brute-force that a slow hash would
protect (unlike passwords people choose).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.db import rows as _rows
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants
from yiwang.exchange.models import DepartmentSystem, SystemCredential
from yiwang.exchange.services._common import has_role, is_platform, record
from yiwang.exchange.types import IssuedCredential
from yiwang.identity.constants import Role
from yiwang.identity.models import Department


def _require_manager(actor: Any, department_id: int) -> None:
    if is_platform(actor):
        return
    if not has_role(actor, department_id, Role.DEPARTMENT_ADMIN, Role.DATA_OFFICER):
        raise PermissionDenied("only the department's admin or data officer may do this")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{constants.TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def register_system(*, actor: Any, department: str, name: str) -> DepartmentSystem:
    dept = Department.objects.filter(code=department, is_active=True).first()
    if dept is None:
        raise ValidationError({"department": _("There is no active department with this code.")})
    _require_manager(actor, dept.pk)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name for the system.")})
    try:
        with transaction.atomic():
            system = DepartmentSystem.objects.create(department=dept, name=name)
            record(
                actor=actor,
                action=constants.ACTION_SYSTEM_REGISTERED,
                object_type="department_system",
                object_id=str(system.pk),
                data={"department": dept.code, "name": name},
            )
    except IntegrityError:
        raise ValidationError(
            {"name": _("The department already has a system with this name.")}
        ) from None
    return system


def _issue(system: DepartmentSystem, actor: Any) -> IssuedCredential:
    prefix, token = _new_token()
    now = clock.now()
    SystemCredential.objects.create(
        system=system,
        prefix=prefix,
        token_hash=hash_token(token),
        created_at=now,
        created_by=actor if hasattr(actor, "get_username") else None,
    )
    return IssuedCredential(system_id=system.pk, prefix=prefix, token=token, created_at=now)


def _locked(system: DepartmentSystem) -> DepartmentSystem:
    return (
        DepartmentSystem.objects.select_for_update().select_related("department").get(pk=system.pk)
    )


def _revoke_all(system: DepartmentSystem, *, prefix: str | None = None) -> list[str]:
    live = SystemCredential.objects.filter(system=system, revoked_at__isnull=True)
    if prefix is not None:
        live = live.filter(prefix=prefix)
    prefixes = list(live.values_list("prefix", flat=True))
    live.update(revoked_at=clock.now())
    return prefixes


def issue_credential(*, actor: Any, system: DepartmentSystem) -> IssuedCredential:
    """A new token next to any existing ones (for a second instance of the system)."""
    _require_manager(actor, system.department_id)
    with transaction.atomic():
        system = _locked(system)
        if not system.is_active:
            raise ValidationError({"system": _("The system is deactivated.")})
        issued = _issue(system, actor)
        record(
            actor=actor,
            action=constants.ACTION_CREDENTIAL_ISSUED,
            object_type="department_system",
            object_id=str(system.pk),
            data={"prefix": issued.prefix, "rotated": []},
        )
    return issued


def rotate_credential(*, actor: Any, system: DepartmentSystem) -> IssuedCredential:
    """Replace every live token of the system by one new token; the old ones stop at once."""
    _require_manager(actor, system.department_id)
    with transaction.atomic():
        system = _locked(system)
        if not system.is_active:
            raise ValidationError({"system": _("The system is deactivated.")})
        old = _revoke_all(system)
        issued = _issue(system, actor)
        record(
            actor=actor,
            action=constants.ACTION_CREDENTIAL_ISSUED,
            object_type="department_system",
            object_id=str(system.pk),
            data={"prefix": issued.prefix, "rotated": old},
        )
    return issued


def revoke_credential(
    *, actor: Any, system: DepartmentSystem, prefix: str | None = None
) -> list[str]:
    """Revoke one token (by prefix) or all of them. Returns the prefixes revoked.

    A prefix no token of the system has is refused rather than answered with nothing revoked:
    a mistyped prefix would otherwise leave the token it meant live without a word. A token
    revoked already is revoked, so asking again revokes nothing and is not an error.
    """
    _require_manager(actor, system.department_id)
    if prefix is not None and not prefix.strip():
        raise ValidationError(
            {"prefix": _("Give the prefix of the token to revoke, or leave it out to revoke all.")}
        )
    with transaction.atomic():
        system = _locked(system)
        if (
            prefix is not None
            and not SystemCredential.objects.filter(system=system, prefix=prefix).exists()
        ):
            raise ValidationError(
                {
                    "prefix": _("This system has no token with the prefix “%(prefix)s”.")
                    % {"prefix": prefix}
                }
            )
        revoked = _revoke_all(system, prefix=prefix)
        record(
            actor=actor,
            action=constants.ACTION_CREDENTIAL_REVOKED,
            object_type="department_system",
            object_id=str(system.pk),
            data={"prefixes": revoked},
        )
    return revoked


def deactivate_system(*, actor: Any, system: DepartmentSystem) -> DepartmentSystem:
    """Switch a system off: its tokens are revoked and it can neither read nor write."""
    _require_manager(actor, system.department_id)
    with transaction.atomic():
        system = _locked(system)
        revoked = _revoke_all(system)
        system.is_active = False
        system.save(update_fields=["is_active", "updated_at"])
        record(
            actor=actor,
            action=constants.ACTION_SYSTEM_DEACTIVATED,
            object_type="department_system",
            object_id=str(system.pk),
            data={"prefixes": revoked},
        )
    return system


def authenticate_system(token: str) -> DepartmentSystem | None:
    """The active system a token belongs to, or ``None``. Constant-time on the secret."""
    if not isinstance(token, str):
        return None
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != constants.TOKEN_PREFIX or not parts[1]:
        return None
    system_cols, department_cols, sql = _token_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [parts[1], True, True])
        row = cursor.fetchone()
    if row is None:
        return None
    if not hmac.compare_digest(str(row[0]), hash_token(token.strip())):
        return None
    split = 1 + len(system_cols)
    system = _rows.instance(DepartmentSystem, system_cols, row[1:split])
    system.department = _rows.instance(Department, department_cols, row[split:])
    return system  # type: ignore[no-any-return]


def _token_query() -> tuple[tuple[_rows.Column, ...], tuple[_rows.Column, ...], str]:
    return _rows.columns(DepartmentSystem, "s"), _rows.columns(Department, "d"), _token_sql()


@cache
def _token_sql() -> str:
    """The live credential with this prefix, its system and the system's department: one
    indexed query, written once (it runs on every request a system makes)."""
    c, s, d = SystemCredential, DepartmentSystem, Department
    return (
        f"SELECT c.{_rows.column_name(c, 'token_hash')}, "  # noqa: S608
        f"{_rows.select_list(_rows.columns(s, 's'))}, "
        f"{_rows.select_list(_rows.columns(d, 'd'))} "
        f"FROM {_rows.table(c)} c "
        f"INNER JOIN {_rows.table(s)} s ON s.{_rows.column_name(s, 'id')} = "
        f"c.{_rows.column_name(c, 'system')} "
        f"INNER JOIN {_rows.table(d)} d ON d.{_rows.column_name(d, 'id')} = "
        f"s.{_rows.column_name(s, 'department')} "
        f"WHERE c.{_rows.column_name(c, 'prefix')} = %s "
        f"AND c.{_rows.column_name(c, 'revoked_at')} IS NULL "
        f"AND s.{_rows.column_name(s, 'is_active')} = %s "
        f"AND d.{_rows.column_name(d, 'is_active')} = %s"
    )
