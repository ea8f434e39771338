"""The network address of the person behind a request, the same for every part of the platform.

Log-in throttling (django-axes, through ``AXES_CLIENT_IP_CALLABLE``), the audit log's anonymous
actors and the web server's access log all take the address from :func:`client_ip`, so an
investigation can match a lock-out to the audit events and the access-log lines around it.

Without proxies (``YIWANG_TRUSTED_PROXIES=0``) the address is the one the connection comes from,
``REMOTE_ADDR``. Behind N reverse proxies, each appends the address it received the request from
to ``X-Forwarded-For``, so the client is the N-th entry from the right. Everything further left
was written by whoever sent the request and proves nothing: it is never read. A header that does
not hold N addresses at its right end was not written by the proxies we were told about, so the
connection's address is used instead.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The WSGI environ key under which the middleware leaves the address for the access log; a
# dotted name, as WSGI reserves for values that servers and middleware add.
ENVIRON_KEY = "yiwang.client_ip"

# Some load balancers append the port: "203.0.113.7:51234" or "[2001:db8::7]:51234".
_IPV4_WITH_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$")
_BRACKETED_IPV6 = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$")


def _address(entry: str) -> str | None:
    """``entry`` as a normalised IP address, or None when it is not one."""
    text = entry.strip()
    match = _IPV4_WITH_PORT.match(text) or _BRACKETED_IPV6.match(text)
    if match:
        text = match.group(1)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None  # "fe80::1%eth0" names an interface of the proxy, not a client
    return str(address)


def forwarded_client(forwarded_for: str, proxies: int) -> str | None:
    """The client's address in an ``X-Forwarded-For`` value written by ``proxies`` proxies.

    None when the value cannot be trusted: fewer entries than proxies, or any of the entries the
    proxies wrote is not an address.
    """
    if proxies <= 0:
        return None
    entries = forwarded_for.split(",")
    if len(entries) < proxies:
        return None
    trusted = [_address(entry) for entry in entries[-proxies:]]
    if any(address is None for address in trusted):
        return None
    return trusted[0]


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client behind ``request``; None when the server did not give one."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "YIWANG_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = forwarded_client(str(request.META.get("HTTP_X_FORWARDED_FOR", "")), proxies)
    return forwarded or remote


class ClientAddressMiddleware:
    """Leaves the client's address in the WSGI environ, where gunicorn's access log reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # request.META is the environ gunicorn logs from after the response is sent.
        request.META[ENVIRON_KEY] = client_ip(request) or "-"
        return self.get_response(request)
