"""The options of an ``http`` connector, as a registry file declares them under ``connector:``.

The JSON Schema (``schemas/registry.schema.json``, ``$defs/http_connector``) checks the shape;
:func:`check_config` checks what a schema cannot say well — that the address is HTTPS, that the
path template names the subject once, that every registry field is mapped — and names the path
and the reason, for the loader to report. :func:`parse_config` turns a checked mapping into
:class:`HttpConfig` for the connector.

The reasons :func:`check_config` gives are for the person who wrote the file, in the active
language; :func:`parse_config` runs when a record is fetched, and its errors go to the operator's
log, so they are English whatever the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils import translation
from django.utils.translation import gettext as _

HTTP = "http"
SUBJECT = "{subject}"
# Plain http is accepted only for the machine itself: a local fake registry in tests or a
# developer's laptop. Anything that crosses a network must be HTTPS.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

DEFAULT_CONNECT_SECONDS = 2.0
DEFAULT_READ_SECONDS = 5.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_SECONDS = 0.2
DEFAULT_MAX_BACKOFF_SECONDS = 2.0
DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_COOL_OFF_SECONDS = 30.0

Path = tuple[str | int, ...]


class ConfigInvalid(ValueError):
    """The stored connector options cannot be used (they passed no loader, or an older one)."""


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT_SECONDS
    read: float = DEFAULT_READ_SECONDS


@dataclass(frozen=True)
class RetryPolicy:
    count: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF_SECONDS
    max_backoff: float = DEFAULT_MAX_BACKOFF_SECONDS


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = DEFAULT_FAILURE_THRESHOLD
    cool_off: float = DEFAULT_COOL_OFF_SECONDS


@dataclass(frozen=True)
class HttpConfig:
    base_url: str
    record_path: str
    # Registry field name -> where its value is inside one record of the response.
    fields: Mapping[str, Path]
    records_at: Path = ()
    version_at: Path | None = None
    updated_at_at: Path | None = None
    token_env: str | None = None
    timeouts: Timeouts = Timeouts()
    retries: RetryPolicy = RetryPolicy()
    breaker: BreakerPolicy = BreakerPolicy()

    @property
    def url_template(self) -> str:
        """The lookup address with ``{subject}`` left in: safe to log, it names nobody."""
        return self.base_url.rstrip("/") + "/" + self.record_path.lstrip("/")


def parse_path(text: str) -> Path:
    """``"data.items.0.name"`` → ``("data", "items", 0, "name")``; raises ValueError."""
    if not isinstance(text, str) or not text:
        raise ValueError(_("a JSON path is a non-empty text like data.person.name"))
    parts: list[str | int] = []
    for segment in text.split("."):
        if not segment:
            message = _("'%(path)s' has an empty part; write keys separated by single dots")
            raise ValueError(message % {"path": text})
        parts.append(int(segment) if segment.isdigit() else segment)
    return tuple(parts)


def url_problem(url: Any) -> str | None:
    if not isinstance(url, str):
        return _("must be text")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError as exc:
        # Python's own reason (English), e.g. "Port out of range 0-65535".
        return _("not a valid address: %(reason)s") % {"reason": exc}
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("must be an https:// address")
    if parts.username or parts.password:
        return _(
            "must not contain a user name or password; put the token in an environment "
            "variable and name it in auth.token_env"
        )
    if parts.query or parts.fragment:
        return _("must not have a query or fragment; put a query in record_path")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        message = _(
            "must use https: plain http is allowed only for %(hosts)s (tests and local development)"
        )
        return message % {"hosts": ", ".join(sorted(LOCAL_HOSTS))}
    return None


def record_path_problem(template: Any) -> str | None:
    if not isinstance(template, str):
        return _("must be text")
    if template.count(SUBJECT) != 1:
        message = _("must contain %(subject)s exactly once, where the subject's identifier goes")
        return message % {"subject": SUBJECT}
    rest = template.replace(SUBJECT, "")
    if "{" in rest or "}" in rest:
        return _("the only placeholder allowed is %(subject)s") % {"subject": SUBJECT}
    if "://" in template or template.startswith("//"):
        return _("must be a path below base_url, not a full address")
    if any(c.isspace() for c in template) or "#" in template:
        return _("must not contain spaces or #")
    if ".." in template.split("?", 1)[0].split("/"):
        return _("must not climb out of base_url with ..")
    return None


def check_config(
    config: Mapping[str, Any],
    *,
    fields: Iterable[str],
    subject_field: str,
    record_key: str,
) -> list[tuple[str, str]]:
    """Problems with an ``http`` connector's options as ``(path, reason)``, paths relative to
    ``connector`` (``base_url``, ``fields.person_name``). Empty when the options are sound.
    The reasons are in the active language."""
    problems: list[tuple[str, str]] = []
    names = list(fields)
    reason = url_problem(config.get("base_url"))
    if reason:
        problems.append(("base_url", reason))
    reason = record_path_problem(config.get("record_path"))
    if reason:
        problems.append(("record_path", reason))
    mapping = config.get("fields")
    if not isinstance(mapping, Mapping):
        problems.append(("fields", _("map each registry field to its place in the response")))
        mapping = {}
    for name, where in mapping.items():
        if name not in names:
            message = _("the registry has no field '%(name)s'; its fields: %(known)s")
            problems.append((f"fields.{name}", message % {"name": name, "known": ", ".join(names)}))
        try:
            parse_path(where)
        except ValueError as exc:
            problems.append((f"fields.{name}", str(exc)))
    missing = [name for name in names if name not in mapping]
    if missing:
        message = _("every registry field needs a place in the response; missing: %(missing)s")
        problems.append(("fields", message % {"missing": ", ".join(missing)}))
    for key in ("records_at",):
        if key in config:
            try:
                parse_path(config[key])
            except ValueError as exc:
                problems.append((key, str(exc)))
    for key, where in dict(config.get("provenance") or {}).items():
        try:
            parse_path(where)
        except ValueError as exc:
            problems.append((f"provenance.{key}", str(exc)))
    auth = config.get("auth") or {}
    if auth.get("type") == "bearer" and not auth.get("token_env"):
        problems.append(("auth.token_env", _("name the environment variable that holds the token")))
    retries = config.get("retries") or {}
    backoff = retries.get("backoff_seconds", DEFAULT_BACKOFF_SECONDS)
    cap = retries.get("max_backoff_seconds", DEFAULT_MAX_BACKOFF_SECONDS)
    if isinstance(backoff, int | float) and isinstance(cap, int | float) and cap < backoff:
        problems.append(("retries.max_backoff_seconds", _("must be at least backoff_seconds")))
    del subject_field, record_key  # both are registry fields, so "every field mapped" covers them
    return problems


def _number(section: Mapping[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigInvalid(f"{key} must be a number of seconds")
    return float(value)


def parse_config(config: Mapping[str, Any]) -> HttpConfig:
    """The options as the connector uses them. Raises :class:`ConfigInvalid`, in English: the
    reason goes to the operator's log and the registry's status, whoever's read failed."""
    with translation.override("en"):
        return _parse_config(config)


def _parse_config(config: Mapping[str, Any]) -> HttpConfig:
    for key, check in (("base_url", url_problem), ("record_path", record_path_problem)):
        reason = check(config.get(key))
        if reason:
            raise ConfigInvalid(f"connector.{key} {reason}")
    mapping = config.get("fields")
    if not isinstance(mapping, Mapping) or not mapping:
        raise ConfigInvalid("connector.fields is missing")
    try:
        fields = {str(name): parse_path(where) for name, where in mapping.items()}
        records_at = parse_path(config["records_at"]) if config.get("records_at") else ()
        provenance = dict(config.get("provenance") or {})
        version_at = parse_path(provenance["version"]) if provenance.get("version") else None
        updated_at_at = (
            parse_path(provenance["updated_at"]) if provenance.get("updated_at") else None
        )
    except ValueError as exc:
        raise ConfigInvalid(f"connector path: {exc}") from exc
    auth = dict(config.get("auth") or {})
    token_env = None
    if auth.get("type") == "bearer":
        token_env = str(auth.get("token_env") or "")
        if not token_env:
            raise ConfigInvalid("connector.auth.token_env is missing")
    timeouts = dict(config.get("timeouts") or {})
    retries = dict(config.get("retries") or {})
    breaker = dict(config.get("circuit_breaker") or {})
    count = retries.get("count", DEFAULT_RETRIES)
    threshold = breaker.get("failure_threshold", DEFAULT_FAILURE_THRESHOLD)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigInvalid("connector.retries.count must be a whole number")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ConfigInvalid("connector.circuit_breaker.failure_threshold must be at least 1")
    connect = _number(timeouts, "connect_seconds", DEFAULT_CONNECT_SECONDS)
    read = _number(timeouts, "read_seconds", DEFAULT_READ_SECONDS)
    if connect <= 0 or read <= 0:
        raise ConfigInvalid("connector timeouts must be more than 0 seconds")
    cool_off = _number(breaker, "cool_off_seconds", DEFAULT_COOL_OFF_SECONDS)
    return HttpConfig(
        base_url=str(config["base_url"]),
        record_path=str(config["record_path"]),
        fields=fields,
        records_at=records_at,
        version_at=version_at,
        updated_at_at=updated_at_at,
        token_env=token_env,
        timeouts=Timeouts(connect=connect, read=read),
        retries=RetryPolicy(
            count=count,
            backoff=_number(retries, "backoff_seconds", DEFAULT_BACKOFF_SECONDS),
            max_backoff=_number(retries, "max_backoff_seconds", DEFAULT_MAX_BACKOFF_SECONDS),
        ),
        breaker=BreakerPolicy(failure_threshold=threshold, cool_off=cool_off),
    )


def breaker_policy(config: Mapping[str, Any]) -> BreakerPolicy:
    """The breaker settings of any connector's options, defaults where they say nothing."""
    section = config.get("circuit_breaker")
    if not isinstance(section, Mapping):
        return BreakerPolicy()
    try:
        threshold = section.get("failure_threshold", DEFAULT_FAILURE_THRESHOLD)
        return BreakerPolicy(
            failure_threshold=int(threshold),
            cool_off=_number(section, "cool_off_seconds", DEFAULT_COOL_OFF_SECONDS),
        )
    except (ConfigInvalid, TypeError, ValueError):
        return BreakerPolicy()
