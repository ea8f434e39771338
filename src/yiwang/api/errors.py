"""The API's one error format, and the mapping from the platform's exceptions to it.

Every error the API sends has this body, whatever went wrong::

    {"error": {"code": "invalid", "message": "...", "fields": {"business_name": ["..."]}}}

``code`` is stable and meant for programs (the table in ``docs/api.md`` lists them); ``message``
is for people, in the language the request asked for (``Accept-Language``); ``fields`` appears
only when particular inputs are wrong, and maps each to its messages.

A thing that does not exist and a thing the caller may not see are the same answer — 404
``not_found`` — so that nobody can learn what exists by asking for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from pydantic import Field

from yiwang.applications.types import (
    AlreadySubmitted,
    ApplicationError,
    FormInvalid,
    IllegalTransition,
    SubmissionIncomplete,
    UploadRefused,
)
from yiwang.catalogue.selectors import NotInCatalogue
from yiwang.core.errors import PermissionDenied

logger = logging.getLogger("yiwang.api")


class ErrorDetail(Schema):
    code: str = Field(description="Stable, machine-readable error code (see docs/api.md).")
    message: str = Field(description="What went wrong, for people, in the request's language.")
    fields: dict[str, list[str]] | None = Field(
        default=None,
        description="For errors about particular inputs: each input's name and its messages.",
    )


class ErrorResponse(Schema):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int, type[ErrorResponse]]:
    """The ``response=`` entries declaring that an operation may answer with these errors.

    400 and 500 are always among them: any request may be unreadable (the NUL character in its
    address, say), and a failure on our side still answers in this format.
    """
    return dict.fromkeys(sorted({400, *statuses, 500}), ErrorResponse)


class ApiError(Exception):
    """Raise in a handler to answer with an error of the API's format."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = {k: [str(m) for m in v] for k, v in fields.items()} if fields else None


def error_body(code: str, message: str, fields: Mapping[str, Iterable[str]] | None = None) -> dict:
    detail: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        detail["fields"] = {str(k): [str(m) for m in v] for k, v in fields.items()}
    return {"error": detail}


# Codes for HTTP errors raised by django-ninja itself (or by us through HttpError).
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "throttled",
}

# What django-ninja says (in English only) when a request's body cannot be parsed.
_UNPARSABLE_BODY = "Cannot parse request body"

# The parts of a validation error's location that name where the value came from, not which
# value it was: ``["body", "payload", "reason"]`` is the field ``reason``.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


# The name every list endpoint gives its query parameters' schema (``params: Query[...]``).
_QUERY_SCHEMA = "params"


def field_name(loc: Sequence[Any], body_params: Iterable[str] = ("payload",)) -> str:
    """The input a validation error is about, as the API's user named it."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source in {"body", "form"} and parts and parts[0] in set(body_params):
            parts.pop(0)  # an error about the whole body has no field: "__all__"
        if source == "query":
            # ?status=a&status=b is the parameter "status", not "params.status.1".
            if len(parts) > 1 and parts[0] == _QUERY_SCHEMA:
                parts.pop(0)
            parts = [p for p in parts if not p.isdigit()]
    return ".".join(parts) or "__all__"


# pydantic quotes each allowed value of an enum or literal: "'service', 'bundle' or 'x'".
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_SEPARATORS = re.compile(r"(?:\s*(?:,|\bor\b)\s*)*")


def _choices(expected: str) -> str:
    """The allowed values from pydantic's English list, without its "or"."""
    values = _QUOTED.findall(expected)
    if values and _SEPARATORS.fullmatch(_QUOTED.sub("", expected)):
        return ", ".join(values)
    return expected


def _limit(ctx: Mapping[str, Any], *keys: str) -> Any:
    return next((ctx[k] for k in keys if k in ctx), None)


def _too_short(ctx: Mapping[str, Any]) -> str:
    limit = int(_limit(ctx, "min_length") or 0)
    if limit <= 1:
        return _("This field is required.")
    return ngettext(
        "Enter at least %(limit)d character.", "Enter at least %(limit)d characters.", limit
    ) % {"limit": limit}


def _too_long(ctx: Mapping[str, Any]) -> str:
    limit = int(_limit(ctx, "max_length") or 0)
    return ngettext(
        "Enter no more than %(limit)d character.",
        "Enter no more than %(limit)d characters.",
        limit,
    ) % {"limit": limit}


def _too_few(ctx: Mapping[str, Any]) -> str:
    limit = int(_limit(ctx, "min_length") or 0)
    return ngettext(
        "Choose at least %(limit)d item.", "Choose at least %(limit)d items.", limit
    ) % {"limit": limit}


def _too_many(ctx: Mapping[str, Any]) -> str:
    limit = int(_limit(ctx, "max_length") or 0)
    return ngettext(
        "Choose no more than %(limit)d item.", "Choose no more than %(limit)d items.", limit
    ) % {"limit": limit}


def _own_message(ctx: Mapping[str, Any]) -> str:
    # Our validators raise ValueError with a sentence already in the request's language (or
    # marked with gettext_noop, which this translates); pydantic's "Value error, " is dropped.
    said = str(ctx.get("error") or "")
    return _(said) if said else _("This value is not valid.")


def _bound(message: str, *keys: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda ctx: _(message) % {"limit": _limit(ctx, *keys)}


_DATE = gettext_noop("Enter a date as YYYY-MM-DD.")
_DATETIME = gettext_noop("Enter a date and time as YYYY-MM-DDTHH:MM:SS with a time zone offset.")

# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/), said
# the way the rest of the platform says them. A type not listed keeps pydantic's English.
_TYPE_MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: _("This field is required."),
    "string_type": lambda ctx: _("Enter text."),
    "string_too_short": _too_short,
    "string_too_long": _too_long,
    "string_pattern_mismatch": lambda ctx: _("Enter a value in the expected format."),
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "int_parsing_size": lambda ctx: _("Enter a whole number."),
    "float_type": lambda ctx: _("Enter a number."),
    "float_parsing": lambda ctx: _("Enter a number."),
    "decimal_type": lambda ctx: _("Enter a number."),
    "decimal_parsing": lambda ctx: _("Enter a number."),
    "finite_number": lambda ctx: _("Enter a number."),
    "bool_type": lambda ctx: _("Enter yes or no (true or false)."),
    "bool_parsing": lambda ctx: _("Enter yes or no (true or false)."),
    "enum": lambda ctx: (
        _("Choose one of: %(choices)s.") % {"choices": _choices(str(ctx.get("expected", "")))}
    ),
    "literal_error": lambda ctx: (
        _("Choose one of: %(choices)s.") % {"choices": _choices(str(ctx.get("expected", "")))}
    ),
    "greater_than": _bound(gettext_noop("Enter a number greater than %(limit)s."), "gt"),
    "greater_than_equal": _bound(gettext_noop("Enter a number of %(limit)s or more."), "ge"),
    "less_than": _bound(gettext_noop("Enter a number less than %(limit)s."), "lt"),
    "less_than_equal": _bound(gettext_noop("Enter a number of %(limit)s or less."), "le"),
    "multiple_of": _bound(gettext_noop("Enter a multiple of %(limit)s."), "multiple_of"),
    "too_short": _too_few,
    "too_long": _too_many,
    "list_type": lambda ctx: _("Send a JSON list here."),
    "dict_type": lambda ctx: _("Send a JSON object here."),
    "model_type": lambda ctx: _("Send a JSON object here."),
    "model_attributes_type": lambda ctx: _("Send a JSON object here."),
    "date_type": lambda ctx: _(_DATE),
    "date_parsing": lambda ctx: _(_DATE),
    "date_from_datetime_parsing": lambda ctx: _(_DATE),
    "date_from_datetime_inexact": lambda ctx: _(_DATE),
    "datetime_type": lambda ctx: _(_DATETIME),
    "datetime_parsing": lambda ctx: _(_DATETIME),
    "datetime_from_date_parsing": lambda ctx: _(_DATETIME),
    "timezone_aware": lambda ctx: _("Enter a date and time with a time zone offset."),
    "json_invalid": lambda ctx: _("This is not valid JSON: check its syntax."),
    "extra_forbidden": lambda ctx: _("There is no such field."),
    "value_error": _own_message,
}


def validation_message(error: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence in the request's language."""
    explain = _TYPE_MESSAGES.get(str(error.get("type", "")))
    if explain is not None:
        try:
            return explain(error.get("ctx") or {})
        except (TypeError, ValueError, KeyError):
            pass  # a context not shaped as expected: pydantic's own words below
    return str(error.get("msg") or _("This value is not valid."))


def validation_fields(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        name = field_name(error.get("loc", ()))
        message = validation_message(error)
        messages = fields.setdefault(name, [])
        if message not in messages:
            messages.append(message)
    return fields


def install(api: NinjaAPI) -> None:
    """Make every error ``api`` sends use the format above."""

    def respond(
        request: HttpRequest,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, Iterable[str]] | None = None,
    ) -> HttpResponse:
        response = api.create_response(request, error_body(code, message, fields), status=status)
        if status == 401:
            # RFC 9110: a 401 names the schemes that would do. The API takes a bearer token
            # (a department system) or the portal's or back office's session cookie.
            response["WWW-Authenticate"] = 'Bearer realm="yiwang"'
        return response

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, exc.fields)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(
            request,
            422,
            "invalid",
            _("Some of the values sent are not valid; see fields."),
            validation_fields(exc.errors),
        )

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            "unauthenticated",
            _("Log in, or send a valid credential for this part of the API."),
        )

    def on_authorization(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, 403, "forbidden", _("You may not do this."))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 403 and "CSRF" in str(exc):
            return respond(
                request,
                403,
                "csrf_failed",
                _("The CSRF token is missing or wrong. Send the csrftoken cookie's value in the "
                  "X-CSRFToken header."),
            )  # fmt: skip
        message = str(exc)
        if status == 400 and message.startswith(_UNPARSABLE_BODY):
            # django-ninja's words when the JSON body cannot be parsed (with the parser's
            # reason appended under DEBUG).
            message = _("The request's body is not valid JSON: check its syntax.")
        return respond(request, status, _STATUS_CODES.get(status, "error"), message)

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, "not_found", _("There is nothing here for you."))

    def on_form_invalid(request: HttpRequest, exc: FormInvalid) -> HttpResponse:
        if isinstance(exc, SubmissionIncomplete):
            fields = dict(exc.errors)
            for code in exc.missing_materials:
                fields.setdefault(f"materials.{code}", []).append(
                    _("Upload a file for this material.")
                )
            return respond(request, 422, "incomplete", str(exc), fields)
        return respond(request, 422, "invalid", str(exc), exc.errors)

    def on_upload_refused(request: HttpRequest, exc: UploadRefused) -> HttpResponse:
        return respond(request, 422, "upload_refused", str(exc), {"file": [str(exc)]})

    def on_already_submitted(request: HttpRequest, exc: AlreadySubmitted) -> HttpResponse:
        return respond(request, 409, "already_submitted", str(exc))

    def on_illegal_transition(request: HttpRequest, exc: IllegalTransition) -> HttpResponse:
        return respond(request, 409, "conflict", str(exc))

    def on_refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return respond(request, 422, "refused", str(exc))

    def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A body that cannot be read at all (a multipart body without its boundary, say): the
        # request is at fault, and nothing of it reached a handler.
        # The parser's own reason is English and names its internals: the operator's log has it.
        logger.info("unreadable body on %s %s: %s", request.method, request.path, exc)
        return respond(
            request, 400, "bad_request", _(
                "The request's body could not be read as its Content-Type says (a multipart "
                "body needs the boundary its header names, for example): check how it is sent."
            ),
        )  # fmt: skip

    def on_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, "too_large", _("The request is too large."))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # One line for the operator (the request id is added by the log filter), the traceback
        # below it; the caller learns only that it was our fault.
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(
            request,
            500,
            "server_error",
            _("Something went wrong on our side. Please try again later."),
        )

    handlers: list[tuple[type[Exception], Any]] = [
        (Exception, on_unexpected),
        (ApiError, on_api_error),
        (HttpError, on_http_error),
        (AuthenticationError, on_authentication),
        (AuthorizationError, on_authorization),
        (ValidationError, on_validation),
        (Http404, on_not_found),
        (MultiPartParserError, on_bad_request),
        (BadRequest, on_bad_request),
        (SuspiciousOperation, on_bad_request),
        (RequestDataTooBig, on_too_large),
        (PermissionDenied, on_not_found),
        (NotInCatalogue, on_not_found),
        (ApplicationError, on_refused),
        (IllegalTransition, on_illegal_transition),
        (AlreadySubmitted, on_already_submitted),
        (FormInvalid, on_form_invalid),
        (UploadRefused, on_upload_refused),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
