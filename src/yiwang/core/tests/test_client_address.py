"""Which address a request comes from: the connection's, or the one trusted proxies forwarded."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client, RequestFactory
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from yiwang.conf import env
from yiwang.core import checks, server
from yiwang.core.client_address import client_ip

PROXY = "10.0.0.1"


def request(forwarded_for: str | None = None, remote: str | None = PROXY) -> Any:
    req = RequestFactory().get("/")
    if forwarded_for is not None:
        req.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if remote is None:
        del req.META["REMOTE_ADDR"]
    else:
        req.META["REMOTE_ADDR"] = remote
    return req


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.YIWANG_TRUSTED_PROXIES = 0
    assert client_ip(request("203.0.113.7")) == PROXY


def test_the_default_trusts_no_proxy() -> None:
    assert env.declared("YIWANG_TRUSTED_PROXIES").default == 0


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        # One load balancer appends the address it received the request from.
        (1, "203.0.113.7", "203.0.113.7"),
        # Whatever the client put before it is the client's own word: never read.
        (1, "198.51.100.66, 203.0.113.7", "203.0.113.7"),
        (1, "not-an-address, 203.0.113.7", "203.0.113.7"),
        # Two proxies (e.g. a CDN, then the load balancer): second from the right.
        (2, "203.0.113.7, 192.0.2.10", "203.0.113.7"),
        (2, "198.51.100.66, 203.0.113.7, 192.0.2.10", "203.0.113.7"),
        # Ports some load balancers add, and IPv6 written in any form, are normalised.
        (1, "203.0.113.7:51234", "203.0.113.7"),
        (1, "[2001:DB8:0::7]:443", "2001:db8::7"),
        (1, "2001:db8:0:0::7", "2001:db8::7"),
    ],
)
def test_trusted_proxies_give_the_address_they_received_the_request_from(
    settings: Any, proxies: int, forwarded_for: str, expected: str
) -> None:
    settings.YIWANG_TRUSTED_PROXIES = proxies
    assert client_ip(request(forwarded_for)) == expected


@pytest.mark.parametrize(
    ("proxies", "forwarded_for"),
    [
        (1, None),  # no header at all
        (1, ""),
        (1, "   "),
        (1, "garbage"),
        (1, "203.0.113.7,"),  # the proxy's own entry is empty
        (1, "203.0.113.7, garbage"),
        (1, "999.0.113.7"),
        (1, "203.0.113.7 198.51.100.66"),
        (1, "fe80::1%eth0"),
        (1, "<script>alert(1)</script>"),
        (1, "1" * 5000),
        (2, "203.0.113.7"),  # fewer entries than proxies: not written by them
        (2, "garbage, 192.0.2.10"),
        (2, "203.0.113.7, garbage"),  # the nearer proxy's entry must be an address too
        (3, "203.0.113.7, 192.0.2.10"),
    ],
)
def test_a_header_the_proxies_cannot_have_written_falls_back_to_the_connection(
    settings: Any, proxies: int, forwarded_for: str | None
) -> None:
    settings.YIWANG_TRUSTED_PROXIES = proxies
    assert client_ip(request(forwarded_for)) == PROXY


def test_no_address_at_all_is_none(settings: Any) -> None:
    settings.YIWANG_TRUSTED_PROXIES = 1
    assert client_ip(request("garbage", remote=None)) is None


def test_a_negative_number_of_proxies_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIWANG_TRUSTED_PROXIES", "-1")
    with pytest.raises(env.ConfigurationError, match="YIWANG_TRUSTED_PROXIES"):
        env.value("YIWANG_TRUSTED_PROXIES")
    monkeypatch.setenv("YIWANG_TRUSTED_PROXIES", "2")
    assert env.value("YIWANG_TRUSTED_PROXIES") == 2


def access_log_line(environ: dict[str, Any]) -> str:
    """The line gunicorn writes for a request, in the format ``yiwang serve`` gives it."""
    fmt = server.options(host="127.0.0.1", port=8000, workers=1)["access_log_format"]
    cfg = Config()
    cfg.set("access_log_format", fmt)
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "rid1")], sent=2)
    atoms = Logger(cfg).atoms(
        response,
        SimpleNamespace(headers=[]),
        {"RAW_URI": environ.get("PATH_INFO", ""), **environ},
        dt.timedelta(milliseconds=3),
    )
    return str(cfg.access_log_format % SafeAtoms(atoms))


@pytest.mark.django_db
def test_the_access_log_shows_the_client_address_the_platform_uses(settings: Any) -> None:
    settings.YIWANG_TRUSTED_PROXIES = 1
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7")
    response = client.get("/healthz")
    line = access_log_line(response.wsgi_request.META)
    assert line.startswith('203.0.113.7 "GET /healthz HTTP/1.1" 200 2 3ms rid=rid1')

    settings.YIWANG_TRUSTED_PROXIES = 0
    response = client.get("/healthz")
    assert access_log_line(response.wsgi_request.META).startswith(f'{PROXY} "GET /healthz')


def production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A production site that passes every other check. The check reads DATABASES and nothing
    connects with it, so Django's warning about overriding it is silenced where this is used."""
    settings.PRODUCTION = True
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
    settings.ALLOWED_HOSTS = ["services.example.gov.cn"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    monkeypatch.setenv("YIWANG_SECRET_KEY", "s" * 60)
    monkeypatch.setenv("YIWANG_TASKS_BACKEND", "database")
    monkeypatch.delenv("YIWANG_DEBUG", raising=False)


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")
def test_check_warns_behind_a_load_balancer_without_trusted_proxies(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    production(settings, monkeypatch)
    monkeypatch.setenv("YIWANG_BEHIND_TLS_PROXY", "1")
    settings.YIWANG_TRUSTED_PROXIES = 0
    (warning,) = checks.check_production_settings()
    assert warning.id == "yiwang.W007"
    assert not warning.is_serious()
    assert "proxy's address" in warning.msg
    assert "YIWANG_TRUSTED_PROXIES" in str(warning.hint)


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")
@pytest.mark.parametrize(("behind_proxy", "proxies"), [("1", 1), ("1", 2), ("0", 0)])
def test_check_is_quiet_when_the_proxies_are_counted_or_there_are_none(
    settings: Any, monkeypatch: pytest.MonkeyPatch, behind_proxy: str, proxies: int
) -> None:
    production(settings, monkeypatch)
    monkeypatch.setenv("YIWANG_BEHIND_TLS_PROXY", behind_proxy)
    settings.YIWANG_TRUSTED_PROXIES = proxies
    assert checks.check_production_settings() == []


def test_check_is_quiet_outside_production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PRODUCTION = False
    monkeypatch.setenv("YIWANG_BEHIND_TLS_PROXY", "1")
    settings.YIWANG_TRUSTED_PROXIES = 0
    assert checks.check_production_settings() == []
