"""Reading the declared environment variables: each one's value, and where it came from.

What each variable is, its type, default and help, is declared once in
:mod:`yiwang.conf.declarations`; ``Setting`` and ``SETTINGS`` are importable from here too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from yiwang.conf.declarations import SETTINGS, Setting

__all__ = [
    "SETTINGS",
    "ConfigurationError",
    "Setting",
    "data_dir",
    "database_url",
    "declared",
    "read",
    "secret_key",
    "value",
]


class ConfigurationError(Exception):
    """A setting has a value yiwang cannot use; the message names the variable and the fix."""


_BY_NAME = {s.name: s for s in SETTINGS}


def declared(name: str) -> Setting:
    return _BY_NAME[name]


def read(name: str) -> tuple[Any, str]:
    """Return ``(value, source)`` for a declared setting; source is ``env`` or ``default``."""
    setting = _BY_NAME[name]
    raw = os.environ.get(name)
    # An empty value is a variable left blank in an environment file: the same as unset.
    if raw is None or not raw.strip():
        return setting.default, "default"
    try:
        return setting.parse(raw), "env"
    except ValueError as exc:
        raise ConfigurationError(f"{name}: {exc}") from exc


def value(name: str) -> Any:
    return read(name)[0]


def data_dir() -> Path:
    raw = value("YIWANG_DATA_DIR")
    try:
        path = Path(raw).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "it is a file" if Path(raw).expanduser().is_file() else exc.strerror or str(exc)
        raise ConfigurationError(
            f"YIWANG_DATA_DIR: {raw!r} cannot be used as the data directory ({why}); point it "
            "at a directory the user that runs yiwang can create and write"
        ) from exc
    return path


def secret_key() -> tuple[str, str]:
    """The Django secret key and where it came from. Generated once into the data dir."""
    key, source = read("YIWANG_SECRET_KEY")
    if key:
        return key, source
    if value("YIWANG_PRODUCTION"):
        raise ConfigurationError(
            "YIWANG_SECRET_KEY must be set in production mode (YIWANG_PRODUCTION=1); "
            "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    path = data_dir() / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first; use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip(), f"generated ({path})"


def database_url() -> tuple[str, str]:
    url, source = read("YIWANG_DATABASE_URL")
    if url:
        return url, source
    return f"sqlite:///{data_dir() / 'yiwang.sqlite3'}", "default"
