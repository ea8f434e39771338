"""What each declared setting is set to right now, and where the value came from.

``yiwang config`` prints this. Secret values never leave this module: a secret that the operator
set (or that was generated) is shown as ``********``, one that is not set as ``(unset)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yiwang.conf import env

MASK = "********"
UNSET = "(unset)"
EMPTY = "(empty)"


@dataclass(frozen=True)
class SettingValue:
    name: str
    value: str
    source: str  # "env", "default" or "generated (<path>)"
    secret: bool
    help: str


def _show(value: Any) -> str:
    if value is None:
        return UNSET
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or EMPTY
    return str(value) if value != "" else EMPTY


def _effective(name: str, value: Any, source: str) -> tuple[Any, str]:
    """Fill in defaults that are computed at start-up rather than written in the table."""
    if name == "YIWANG_DATA_DIR":
        return str(env.data_dir()), source
    if name == "YIWANG_DATABASE_URL":
        url, url_source = env.database_url()
        return url, url_source
    if name == "YIWANG_SECRET_KEY":
        return env.secret_key()
    if name == "YIWANG_MEDIA_ROOT" and not value:
        return str(Path(env.data_dir()) / "media"), "default"
    if name == "YIWANG_SECURE_COOKIES" and value is None:
        return bool(env.value("YIWANG_PRODUCTION")), "default"
    if name == "YIWANG_AUDIT_SIGNING_KEY" and not value:
        path = env.data_dir() / "audit_signing_key.pem"
        if path.exists():
            return "generated", f"generated ({path})"
        return None, "default"
    return value, source


def current() -> list[SettingValue]:
    rows = []
    for setting in env.SETTINGS:
        value, source = env.read(setting.name)
        value, source = _effective(setting.name, value, source)
        secret_given = source == "env" or source.startswith("generated")
        if setting.secret and secret_given:
            shown = MASK if value not in (None, "") else UNSET
        elif setting.secret and value in (None, ""):
            shown = UNSET
        else:
            shown = _show(value)
        rows.append(
            SettingValue(
                name=setting.name,
                value=shown,
                source=source,
                secret=setting.secret,
                help=setting.help,
            )
        )
    return rows
