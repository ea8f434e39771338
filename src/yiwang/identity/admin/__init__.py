"""Admin pages for identity data, scoped by role.

Platform admins (role ``platform_admin`` or superusers) see and edit everything. A department admin
sees only their own departments, the memberships in them and the staff accounts working there;
they can neither create platform admins or auditors, nor change their own memberships, nor touch
another department. Citizens' personal records are never shown to department admins: personal
data is read through the exchange, on the record.
Every save and delete goes through :mod:`yiwang.identity.services`, so it is audited.

Django's admin autodiscovery imports this package; importing the modules below registers their
pages (:mod:`~yiwang.identity.admin._common` holds what they share).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group

from yiwang.identity.admin import accounts, memberships, organisations, people

# Roles are memberships in departments; Django's groups grant nothing here, so their page, which
# django.contrib.auth registers, would only mislead.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)

__all__ = ["accounts", "memberships", "organisations", "people"]
