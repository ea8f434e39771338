"""A request larger than YIWANG_MAX_UPLOAD_MB is refused with 413 before anything reads its body:
a 120 MB upload was read and written to disk in full before the material's own limit refused it."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from yiwang.conf import env
from yiwang.core.upload_limit import MEGABYTE

pytestmark = pytest.mark.django_db


class UnreadableBody:
    """A request body that fails the test when anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body of a request over the limit was read")

    readline = read


def _oversized(client: Client, path: str, length: int, **extra: Any) -> Any:
    return client.generic(
        "POST",
        path,
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE=MULTIPART_CONTENT,
        HTTP_ACCEPT_LANGUAGE="en",
        **{"wsgi.input": UnreadableBody()},
        **extra,
    )


def test_the_limit_is_a_declared_setting_of_25_megabytes() -> None:
    assert env.declared("YIWANG_MAX_UPLOAD_MB").default == 25
    assert django_settings.YIWANG_MAX_UPLOAD_MB == 25


def test_an_api_request_over_the_limit_is_refused_in_the_api_format_unread() -> None:
    # CSRF checks on: without the limit, the CSRF middleware would read the form to find its
    # token, and UnreadableBody would fail the test.
    client = Client(enforce_csrf_checks=True)
    response = _oversized(client, "/api/v1/me", 120 * MEGABYTE)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["error"]["code"] == "too_large"
    assert "25 MB" in body["error"]["message"]
    assert set(body) == {"error"}
    assert response["X-Request-ID"]


@pytest.mark.parametrize(
    ("path", "shell"),
    [("/", "portal"), ("/backoffice/queue/", "backoffice")],
)
def test_a_page_request_over_the_limit_gets_the_error_page_unread(path: str, shell: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = _oversized(client, path, 26 * MEGABYTE)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Sorry, there is a problem with your request" in page
    assert "larger than the site accepts at once (25 MB at most)" in page
    assert "Error code: 413" in page
    assert response["Content-Language"] == "en"
    # The shell of the side the address belongs to, as on every error page.
    assert f"{shell}/base.html" in {template.name for template in response.templates}
    assert 'class="site-header"' in page


def test_the_limit_follows_the_setting(settings: Any) -> None:
    settings.YIWANG_MAX_UPLOAD_MB = 1
    client = Client(enforce_csrf_checks=True)
    assert _oversized(client, "/api/v1/me", MEGABYTE + 1).status_code == 413
    message = json.loads(_oversized(client, "/api/v1/me", MEGABYTE + 1).content)["error"]
    assert "1 MB" in message["message"]


def test_a_real_upload_over_the_limit_is_never_parsed_and_one_within_it_is(settings: Any) -> None:
    settings.YIWANG_MAX_UPLOAD_MB = 1
    client = Client(enforce_csrf_checks=True)
    parse = MultiPartParser.parse
    with mock.patch.object(MultiPartParser, "parse", autospec=True, side_effect=parse) as parsed:
        # The file alone is 1 MB: with the rest of the form, the request is over it.
        assert len(encode_multipart(BOUNDARY, {"file": _file(MEGABYTE)})) > MEGABYTE
        response = client.post("/", {"file": _file(MEGABYTE)})
        assert response.status_code == 413
        assert parsed.call_count == 0
        response = client.post("/", {"file": _file(MEGABYTE // 2)})
        # Within the limit the request goes on: the CSRF middleware reads the form (and refuses
        # it, having no token).
        assert response.status_code == 403
        assert parsed.call_count == 1


def test_a_request_of_exactly_the_limit_or_without_a_length_goes_on() -> None:
    client = Client()
    response = client.generic(
        "GET", "/", CONTENT_LENGTH=str(25 * MEGABYTE), **{"wsgi.input": UnreadableBody()}
    )
    assert response.status_code == 200
    for length in ("", "not a number", "-5"):
        response = client.generic("GET", "/", CONTENT_LENGTH=length)
        assert response.status_code == 200


def test_the_limit_comes_before_anything_that_reads_the_body() -> None:
    middleware = list(django_settings.MIDDLEWARE)
    limit = middleware.index("yiwang.core.upload_limit.UploadLimitMiddleware")
    # After the language is chosen (the refusal is in the request's language) ...
    assert middleware.index("django.middleware.locale.LocaleMiddleware") < limit
    # ... before every middleware that reads a body or a form.
    for reader in (
        "yiwang.api.middleware.RefuseNulMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "axes.middleware.AxesMiddleware",
    ):
        assert limit < middleware.index(reader)


def _file(size: int) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", b"%PDF-" + b"0" * (size - 5), "application/pdf")
