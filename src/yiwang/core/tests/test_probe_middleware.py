"""Load balancers probe each backend over plain HTTP by its address: in production mode
/healthz and /readyz must still answer 200 or 503, not a redirect to HTTPS or a 400 for the
host name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.test import Client

BACKEND = "10.0.3.17:8000"  # how a load balancer addresses one backend


@pytest.fixture
def production(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.ALLOWED_HOSTS = ["services.example.gov.cn"]


@pytest.mark.django_db
@pytest.mark.usefixtures("production")
def test_probes_answer_plain_http_by_backend_address_in_production() -> None:
    client = Client(HTTP_HOST=BACKEND)
    healthz = client.get("/healthz")
    assert healthz.status_code == 200
    assert json.loads(healthz.content) == {"status": "ok"}
    assert healthz["X-Request-ID"]
    readyz = client.get("/readyz")
    assert readyz.status_code == 200
    assert json.loads(readyz.content) == {"status": "ok", "database": "ok", "pending_migrations": 0}
    # Every other page still goes through the host check and the redirect.
    assert client.get("/").status_code == 400
    public = Client(HTTP_HOST="services.example.gov.cn").get("/")
    assert public.status_code == 301
    assert public["Location"].startswith("https://services.example.gov.cn/")


@pytest.mark.django_db
@pytest.mark.usefixtures("production")
def test_readyz_says_unavailable_not_redirect_while_migrations_are_pending() -> None:
    pending = [("identity", "9999_not_applied")]
    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", return_value=pending
    ):
        response = Client(HTTP_HOST=BACKEND).get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "database": "ok",
        "pending_migrations": 1,
    }


@pytest.mark.usefixtures("production")
def test_probes_still_refuse_writes() -> None:
    assert Client(HTTP_HOST=BACKEND).post("/healthz").status_code == 405


PROBE = """
import django, json
django.setup()
from django.test import Client
backend = Client(HTTP_HOST="10.0.3.17")
public = Client(HTTP_HOST="services.example.gov.cn")
print(json.dumps({
    "healthz": backend.get("/healthz").status_code,
    "readyz": backend.get("/readyz").status_code,
    "page_by_address": backend.get("/").status_code,
    "page_plain_http": public.get("/").status_code,
}))
"""


def test_production_settings_answer_probes_over_plain_http(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yiwang.conf.settings",
        "YIWANG_PRODUCTION": "1",
        "YIWANG_SECRET_KEY": "s" * 60,
        "YIWANG_ALLOWED_HOSTS": "services.example.gov.cn",
        "YIWANG_DATA_DIR": str(tmp_path),
        "YIWANG_DATABASE_URL": "",  # a fresh SQLite database: no migration applied yet
        "YIWANG_BEHIND_TLS_PROXY": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses == {
        "healthz": 200,
        # Not ready (nothing migrated), and saying so instead of redirecting.
        "readyz": 503,
        "page_by_address": 400,
        "page_plain_http": 301,
    }
