"""Parsers of raw environment values: each checks one kind of value and says what it accepts."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlsplit


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_int(raw: str) -> int:
    return int(raw.strip())


def parse_count(raw: str) -> int:
    number = int(raw.strip())
    if number < 0:
        raise ValueError(f"expected a whole number, 0 or more, got {raw!r}")
    return number


def parse_str(raw: str) -> str:
    return raw


def parse_positive(raw: str) -> int:
    try:
        number = int(raw.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"expected a whole number, 1 or more, got {raw!r}")
    return number


def parse_port(raw: str) -> int:
    try:
        number = int(raw.strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise ValueError(f"expected a port number from 1 to 65535, got {raw!r}")
    return number


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
