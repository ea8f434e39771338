"""Property-based tests of the exchange's API against the committed OpenAPI document.

schemathesis generates requests for every exchange operation from ``openapi/yiwang-v1.json`` and
sends them to the WSGI application in-process, each group with the credential it is meant for:
the registry API with the owning department's system token (on its real registry, so that
generated values reach the element checks), the governed read with a consumer's system token,
agreements with a provider's data officer, consent and the access log with a citizen, systems
with a department admin. No answer may be a server error, and every answer must match the
document: status code, content type and body schema.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)

from yiwang.exchange import services
from yiwang.exchange.tests.api_support import department_admin, system_with_token
from yiwang.exchange.tests.conftest import World

DOCUMENT = Path(__file__).resolve().parents[4] / "openapi" / "yiwang-v1.json"

schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
schema.app = get_wsgi_application()

SETTINGS = settings(
    max_examples=6,
    deadline=None,
    database=None,  # nothing written to .hypothesis/; every run starts afresh
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)

# As in the API's own schemathesis tests: the credential is injected over whatever schemathesis
# generates for the security scheme, and some schema-valid requests are refused by rules no
# schema states (no such registry, not your agreement). Those refusals are tested explicitly in
# the other test_api_* files; here every answer must be no server error and as documented.
EXCLUDED = [ignored_auth, negative_data_rejection, positive_data_acceptance]

registry_api = schema.include(tag="registry records")
read_api = schema.include(tag="governed read")
agreements_api = schema.include(tag="agreements")
person_api = schema.include(tag=["consent", "access log"])
systems_api = schema.include(tag="department systems")


@pytest.fixture(autouse=True)
def _no_connection_closing_between_requests() -> Iterator[None]:
    # Django's WSGI handler closes "old" connections as each request starts and ends; on
    # PostgreSQL that would end the test's own transaction half-way. Django's test client
    # detaches the same handler for the same reason; schemathesis calls the WSGI app directly.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _allow_schemathesis_host(settings: Any) -> None:
    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "localhost", "testserver"]


def browser(account: Any) -> dict[str, Any]:
    """The session and CSRF cookies a browser logged in as ``account`` sends, and the header."""
    client = Client()
    client.force_login(account)
    csrf = secrets.token_hex(16)
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: client.cookies[
                django_settings.SESSION_COOKIE_NAME
            ].value,
            django_settings.CSRF_COOKIE_NAME: csrf,
        },
        "headers": {"X-CSRFToken": csrf},
    }


def token_headers(department: Any) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {system_with_token(department)[1]}"}}


@pytest.fixture
def registrar_system(populated: World) -> dict[str, Any]:
    return token_headers(populated.registrar)


@pytest.fixture
def welfare_system(populated: World) -> dict[str, Any]:
    return token_headers(populated.welfare)


@pytest.fixture
def provider_officer(loaded: World) -> dict[str, Any]:
    return browser(loaded.registrar_officer)


@pytest.fixture
def citizen(populated: World) -> dict[str, Any]:
    w = populated
    # A read in the person's log, for the access-log operations to find.
    services.read(
        requester=w.reviewer(),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
    )
    return browser(w.citizen)


@pytest.fixture
def admin(loaded: World) -> dict[str, Any]:
    system_with_token(loaded.registrar)
    return browser(department_admin(loaded.registrar))


@registry_api.parametrize()
@SETTINGS
def test_registry_api_conforms(case: Any, registrar_system: dict[str, Any]) -> None:
    # Aimed at the department's real registry, so that generated values reach the element
    # checks; other registry codes answer 404 (tested in test_api_registry.py).
    case.path_parameters = {**(case.path_parameters or {}), "registry": "people"}
    case.call_and_validate(excluded_checks=EXCLUDED, **registrar_system)


@read_api.parametrize()
@SETTINGS
def test_governed_read_conforms(case: Any, welfare_system: dict[str, Any]) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED, **welfare_system)


@agreements_api.parametrize()
@SETTINGS
def test_agreements_api_conforms(case: Any, provider_officer: dict[str, Any]) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED, **provider_officer)


@person_api.parametrize()
@SETTINGS
def test_consent_and_access_log_conform(case: Any, citizen: dict[str, Any]) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED, **citizen)


@systems_api.parametrize()
@SETTINGS
def test_systems_api_conforms(case: Any, admin: dict[str, Any]) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED, **admin)
