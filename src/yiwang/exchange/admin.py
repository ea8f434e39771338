"""Admin pages of the exchange: a read-only view of the remote registries' circuit breakers.

Operators see here (and with ``yiwang exchange status``) which department systems cannot be
reached, since when, and why. Nothing can be changed from this page: the circuit closes by
itself when a trial request succeeds. Registry data is never shown in the admin; it is read
through the exchange, on the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.exchange import policy
from yiwang.exchange.connectors.config import breaker_policy
from yiwang.exchange.connectors.models import ConnectorCircuit
from yiwang.exchange.connectors.status import next_trial_at
from yiwang.identity import selectors as identity_selectors


@admin.register(ConnectorCircuit)
class ConnectorCircuitAdmin(admin.ModelAdmin):
    list_display = (
        "registry_code",
        "state",
        "failures",
        "opened_at",
        "next_trial",
        "last_failure_at",
        "last_error",
    )
    list_filter = ("state",)
    search_fields = ("=registry_code",)
    ordering = ("registry_code",)
    fields = (
        "registry_code",
        "state",
        "failures",
        "opened_at",
        "next_trial",
        "trial_started_at",
        "last_failure_at",
        "last_error",
        "updated_at",
    )
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return identity_selectors.is_platform_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return identity_selectors.is_platform_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("next trial request"))
    def next_trial(self, obj: ConnectorCircuit) -> dt.datetime | None:
        info = policy.snapshot().registries.get(obj.registry_code)
        config = info.connector if info is not None else {}
        return next_trial_at(obj.state, obj.opened_at, breaker_policy(config).cool_off)
