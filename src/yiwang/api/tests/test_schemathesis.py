"""Property-based tests of the whole API against its committed OpenAPI document.

schemathesis generates requests from ``openapi/yiwang-v1.json`` (valid ones and, for the
validation paths, invalid ones) and sends them to the WSGI application in-process. Every answer
must not be a server error and must match what the document says: status code, content type and
body schema. The public catalogue is called without logging in, the citizen endpoints with a
citizen's session and CSRF token, the clerk endpoints with a team lead's session.
"""

from __future__ import annotations

import json
import secrets
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

from yiwang.api.tests import world as w
from yiwang.identity.constants import Role

DOCUMENT = Path(__file__).resolve().parents[4] / "openapi" / "yiwang-v1.json"

schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
schema.app = get_wsgi_application()

SETTINGS = settings(
    max_examples=8,
    deadline=None,
    database=None,  # nothing written to .hypothesis/; every run starts afresh
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)  # fmt: skip

# These three judge how strictly requests are screened, not what the API answers: the session is
# injected over the credentials schemathesis generates (so a request it believes carries broken
# or no auth does reach the API logged in), and some schema-valid requests are refused by rules
# no schema can state ("this form has no such page"). Authentication and refusals are tested
# explicitly in test_auth_and_errors.py and test_not_yours.py. Everything else runs: no server
# error, and status code, content type, headers and body as the document declares.
EXCLUDED = [ignored_auth, negative_data_rejection, positive_data_acceptance]

public = schema.include(tag="catalogue")
citizen_api = schema.include(tag=["applications", "me"])
clerk_api = schema.include(tag="tasks")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    # The requests go through Django's real WSGI handler, which closes the database connection
    # when a request ends; inside a test that would close the test's own transaction (on
    # PostgreSQL). Django's test client unhooks the same signal for the same reason.
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _allow_schemathesis_host(settings: Any) -> None:
    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "localhost", "testserver"]


def browser_session(account: Any) -> dict[str, Any]:
    """What a browser logged in as ``account`` sends: the session and CSRF cookies, and the
    CSRF token in its header (for ``case.call_and_validate(**...)``).

    Passed as ``cookies``, not as a Cookie header: schemathesis generates values for the
    cookie the security scheme names and would otherwise send its own instead of ours.
    """
    client = Client()
    client.force_login(account)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)  # an unmasked 32-character secret, accepted in both places
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: session,
            django_settings.CSRF_COOKIE_NAME: csrf,
        },
        "headers": {"X-CSRFToken": csrf},
    }


@pytest.fixture
def citizen_session(world: w.World) -> dict[str, Any]:
    rep = w.representative()
    w.submitted(rep, firm=rep.person.firms.get())
    w.draft(rep, answers={"shop_name": "Corner Shop"})
    return browser_session(rep)


@pytest.fixture
def clerk_session(world: w.World) -> dict[str, Any]:
    for _ in range(3):
        w.submitted(w.citizen())
    return browser_session(w.clerk(world.licensing, Role.TEAM_LEAD))


@public.parametrize()
@SETTINGS
def test_public_catalogue_conforms(case: Any, world: w.World) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)


@citizen_api.parametrize()
@SETTINGS
def test_citizen_endpoints_conform(case: Any, citizen_session: dict[str, Any]) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED, **citizen_session)


@clerk_api.parametrize()
@SETTINGS
def test_clerk_endpoints_conform(case: Any, clerk_session: dict[str, Any]) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED, **clerk_session)
