"""Parsers of raw environment values: each checks one kind of value and says what it accepts.

A :class:`Kind` puts a parser together with how the settings reference (``docs/settings.md``)
names its type and the values it accepts, so that what the reference promises is what the parser
checks.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Kind:
    """One kind of setting value: its type's name and what it accepts, as the reference shows
    them (Markdown), and the parser that reads it (raising ValueError that says what it
    accepts)."""

    name: str
    accepts: str
    parse: Callable[[str], Any]

    def __call__(self, raw: str) -> Any:
        return self.parse(raw)


# Digits 0-9 only: int() would also take "1_000" and other scripts' digits.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class WholeNumber:
    """A whole number from ``minimum`` up to ``maximum`` (None: no upper bound). Anything else,
    a value that is not a number at all included, is refused with one message saying what is
    accepted."""

    minimum: int
    maximum: int | None = None
    noun: str = "a whole number"

    @property
    def range(self) -> str:
        if self.maximum is None:
            return f"{self.minimum} or more"
        return f"{self.minimum} to {self.maximum}"

    @property
    def expected(self) -> str:
        if self.maximum is None:
            return f"{self.noun} of {self.range}"
        return f"{self.noun} from {self.range}"

    def __call__(self, raw: str) -> int:
        text = raw.strip()
        number = int(text) if _WHOLE_NUMBER.fullmatch(text) else None
        if (
            number is None
            or number < self.minimum
            or (self.maximum is not None and number > self.maximum)
        ):
            raise ValueError(f"expected {self.expected}, got {raw!r}")
        return number


def whole_number(minimum: int, maximum: int | None = None) -> Kind:
    number = WholeNumber(minimum, maximum)
    return Kind("whole number", number.range, number)


PORT = Kind("whole number", "1 to 65535 (a port)", WholeNumber(1, 65535, "a port number"))


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_str(raw: str) -> str:
    return raw


def parse_dotted_path(raw: str) -> str:
    """Only the shape is checked here; whether it can be imported is for ``yiwang check``
    (importing here would load the backend's modules before Django is set up)."""
    path = raw.strip()
    parts = path.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise ValueError(
            f"{raw!r} is not a dotted path; write the module and the class name joined by dots, "
            "without spaces, e.g. django.core.mail.backends.smtp.EmailBackend"
        )
    return path


def one_of(*values: str) -> Kind:
    """A choice among ``values`` (written in lower case; the value's case does not matter)."""

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in values:
            raise ValueError(f"{raw!r} is not one of {', '.join(values)}")
        return value

    return Kind("choice", ", ".join(f"`{v}`" for v in values), parse)


DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql")


def parse_database_url(raw: str) -> str:
    """Only the shape is checked here; the message never repeats the URL, which may hold a
    password."""
    url = raw.strip()
    scheme, sep, _rest = url.partition("://")
    if not sep or scheme.lower() not in DATABASE_SCHEMES:
        raise ValueError(
            "only sqlite:// and postgres:// (or postgresql://) URLs are supported, e.g. "
            "sqlite:////var/lib/yiwang/yiwang.sqlite3 or "
            "postgres://user:password@host:5432/name"
        )
    if scheme.lower() == "sqlite":
        return url
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(
            "the port of the PostgreSQL URL is not a number; write "
            "postgres://user:password@host:5432/name"
        ) from None
    if not parts.hostname and "host=" not in parts.query:
        raise ValueError(
            "the PostgreSQL URL names no host; write postgres://user:password@host:5432/name"
        )
    if not parts.path.strip("/"):
        raise ValueError(
            "the PostgreSQL URL names no database; write postgres://user:password@host:5432/name"
        )
    return url


REDIS_SCHEMES = ("redis", "rediss", "unix")


def parse_redis_url(raw: str) -> str:
    """Only the scheme is checked; the message never repeats the URL, which may hold a
    password."""
    url = raw.strip()
    scheme, sep, _rest = url.partition("://")
    if not sep or scheme.lower() not in REDIS_SCHEMES:
        raise ValueError(
            "only redis://, rediss:// (TLS) and unix:// URLs are supported, e.g. "
            "redis://:password@redis.internal:6379/0"
        )
    return url


def parse_pem(raw: str) -> str:
    """A PEM value as environment files give it: ``\\n`` written as backslash-n (bash, systemd's
    EnvironmentFile, ``docker --env-file``), and quotes kept by ``docker --env-file``."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace("\\r\\n", "\n").replace("\\n", "\n")


def parse_time_zone(raw: str) -> str:
    name = raw.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{raw!r} is not a known time zone; use an IANA name such as Asia/Shanghai"
        ) from None
    return name


# The languages of the interface (Django's LANGUAGES in the settings module).
LANGUAGES = ("zh-hans", "en")


def parse_language(raw: str) -> str:
    code = raw.strip().lower()
    if code not in LANGUAGES:
        raise ValueError(f"{raw!r} is not a supported language; use one of {', '.join(LANGUAGES)}")
    return code


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"{raw!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
    return level


def parse_hosts(raw: str) -> list[str]:
    hosts = parse_list(raw)
    for host in hosts:
        if "://" in host or "/" in host or any(c.isspace() for c in host):
            raise ValueError(
                f"{host!r} is not a host name; give the name alone, without scheme, path or "
                "spaces, e.g. services.example.gov.cn (comma-separated for several)"
            )
    return hosts


def parse_origins(raw: str) -> list[str]:
    origins = parse_list(raw)
    for origin in origins:
        parts = urlsplit(origin)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path
            or parts.query
            or parts.fragment
            or any(c.isspace() for c in origin)
        ):
            raise ValueError(
                f"{origin!r} is not an origin; write the scheme and the host name only, e.g. "
                "https://services.example.gov.cn (comma-separated for several)"
            )
    return origins


# The kinds the declarations use. Booleans' spellings and lists' commas are explained once, above
# the reference's table.
BOOLEAN = Kind("boolean", "on or off", parse_bool)
TEXT = Kind("text", "any text", parse_str)
DIRECTORY = Kind("path", "a directory's path", parse_str)
DOTTED_PATH = Kind(
    "dotted path", "an importable class, e.g. `package.module.Class`", parse_dotted_path
)
DATABASE_URL = Kind("URL", "`sqlite://` or `postgres://` (`postgresql://`)", parse_database_url)
REDIS_URL = Kind("URL", "`redis://`, `rediss://` (TLS) or `unix://`", parse_redis_url)
PEM = Kind("PEM key", "an Ed25519 private key", parse_pem)
TIME_ZONE = Kind("time zone", "an IANA name, e.g. `Asia/Shanghai`", parse_time_zone)
LANGUAGE = Kind("choice", ", ".join(f"`{code}`" for code in LANGUAGES), parse_language)
LOG_LEVEL = Kind("choice", ", ".join(f"`{level}`" for level in LOG_LEVELS), parse_log_level)
HOSTS = Kind("list", "host names, without scheme or path", parse_hosts)
ORIGINS = Kind("list", "origins: `scheme://host` (`:port` if not the default)", parse_origins)
