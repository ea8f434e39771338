"""Clients for the exchange's API tests: logged in as each kind of caller, or with a token."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.test import Client

from yiwang.audit.actors import system_actor
from yiwang.audit.models import AuditEvent
from yiwang.exchange import services
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import StaffFactory

PLATFORM = system_actor("tests")
API = "/api/v1"


def session(account: Any) -> Client:
    """A browser logged in as ``account`` in the realm its kind logs in to."""
    client = Client()
    client.force_login(account)
    return client


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def system_with_token(department: Any, name: str = "case-system") -> tuple[Any, str]:
    """A department system and a live token for it, set up by the platform."""
    system = services.register_system(actor=PLATFORM, department=department.code, name=name)
    return system, services.issue_credential(actor=PLATFORM, system=system).token


def department_admin(department: Any, username: str | None = None) -> Any:
    kwargs: dict[str, Any] = {"username": username} if username else {}
    return StaffFactory(
        membership__department=department, membership__role=Role.DEPARTMENT_ADMIN, **kwargs
    )


def send(client: Client, method: str, path: str, body: Any = None, **extra: Any) -> Any:
    """A request to the API; ``body`` (if any) is sent as JSON."""
    url = API + path
    if body is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def error(response: Any) -> dict[str, Any]:
    detail = response.json()["error"]
    assert isinstance(detail, dict)
    return detail


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def session_cookie_set(response: Any) -> bool:
    return settings.SESSION_COOKIE_NAME in response.cookies
