"""Writes to identity data. Each one checks the actor, runs in a transaction and is audited.

* :mod:`~yiwang.identity.services.accounts`: a citizen's registration, a staff login;
* :mod:`~yiwang.identity.services.passwords`: a password set, changed by its holder, or a reset
  link asked for (with the limits on how many are sent);
* :mod:`~yiwang.identity.services.memberships`: staff roles in a department;
* :mod:`~yiwang.identity.services.organisations`: regions, departments, firms and their
  representatives;
* :mod:`~yiwang.identity.services.admin_edits`: records saved or deleted through the admin.

Import from here, not from the submodules; a test that patches a module attribute (a limit, say)
patches it in the submodule that reads it.
"""

from __future__ import annotations

from yiwang.identity.services.accounts import create_staff_account, register_citizen
from yiwang.identity.services.admin_edits import (
    AUDITED_VALUES,
    NEVER_AUDITED,
    delete_record,
    save_record,
)
from yiwang.identity.services.memberships import grant_membership, revoke_membership
from yiwang.identity.services.organisations import (
    add_firm_representative,
    create_department,
    create_firm,
    create_region,
)
from yiwang.identity.services.passwords import (
    HOLDER_SET_REASONS,
    PASSWORD_RESET_WINDOW,
    change_password,
    request_password_reset,
    set_password,
)

__all__ = [
    "AUDITED_VALUES",
    "HOLDER_SET_REASONS",
    "NEVER_AUDITED",
    "PASSWORD_RESET_WINDOW",
    "add_firm_representative",
    "change_password",
    "create_department",
    "create_firm",
    "create_region",
    "create_staff_account",
    "delete_record",
    "grant_membership",
    "register_citizen",
    "request_password_reset",
    "revoke_membership",
    "save_record",
    "set_password",
]
