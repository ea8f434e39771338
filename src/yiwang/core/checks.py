"""yiwang's own system checks, run by ``yiwang check`` beside Django's.

They look at how this installation is configured: the things that make a production site
insecure or unable to work, and the things that make any site fail later (a data directory it
cannot write, a signing key it cannot read, migrations not applied). Each message says how to
fix the problem.

The database checks run only when a database is named (``yiwang check`` does; Django's other
commands do not), so ``migrate`` is not told about the migrations it is about to apply.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.utils.module_loading import import_string

from yiwang.conf import env

TAG = "yiwang"


def _production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


@register(TAG)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _production():
        return []
    messages: list[CheckMessage] = []
    _key, source = env.read("YIWANG_SECRET_KEY")
    if source != "env" or not _key:
        messages.append(
            Error(
                "YIWANG_SECRET_KEY is not set in production mode.",
                hint="Set it to a long random value shared by every web and worker process: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
                id="yiwang.E001",
            )
        )
    if env.value("YIWANG_DEBUG") or settings.DEBUG:
        messages.append(
            Warning(
                "YIWANG_DEBUG is on in production mode; debug pages stay off, but the setting "
                "suggests a development configuration was copied.",
                hint="Unset YIWANG_DEBUG.",
                id="yiwang.W002",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        messages.append(
            Warning(
                "Production mode is running on SQLite.",
                hint="SQLite serves a small office on one machine. For several web or worker "
                "processes on more than one machine, set YIWANG_DATABASE_URL to PostgreSQL.",
                id="yiwang.W003",
            )
        )
    local = {"127.0.0.1", "localhost", "::1", "[::1]"}
    if not set(settings.ALLOWED_HOSTS) - local:
        messages.append(
            Warning(
                "YIWANG_ALLOWED_HOSTS lists only local addresses in production mode.",
                hint="Set it to the host names the public uses, e.g. YIWANG_ALLOWED_HOSTS="
                "services.example.gov.cn",
                id="yiwang.W004",
            )
        )
    if "*" in settings.ALLOWED_HOSTS or any(h.startswith(".") for h in settings.ALLOWED_HOSTS):
        messages.append(
            Error(
                "YIWANG_ALLOWED_HOSTS accepts any host name (* or a leading dot) in production "
                "mode: links the platform e-mails, such as password reset links, are written "
                "with the host a request names, so anyone could have a valid reset link mailed "
                "to a person inside a link to their own site.",
                hint="List the exact host names the public uses, e.g. YIWANG_ALLOWED_HOSTS="
                "services.example.gov.cn",
                id="yiwang.E008",
            )
        )
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        messages.append(
            Warning(
                "E-mail is written to the console in production mode, so nobody receives it.",
                hint="Set YIWANG_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the "
                "YIWANG_EMAIL_* settings.",
                id="yiwang.W005",
            )
        )
    if env.value("YIWANG_TASKS_BACKEND") == "immediate":
        messages.append(
            Warning(
                "Background tasks run inside web requests (YIWANG_TASKS_BACKEND=immediate).",
                hint="Use YIWANG_TASKS_BACKEND=database and run `yiwang worker` and "
                "`yiwang scheduler`.",
                id="yiwang.W006",
            )
        )
    if env.value("YIWANG_BEHIND_TLS_PROXY") and not getattr(settings, "YIWANG_TRUSTED_PROXIES", 0):
        messages.append(
            Warning(
                "yiwang runs behind a load balancer (YIWANG_BEHIND_TLS_PROXY) but takes no "
                "client address from X-Forwarded-For (YIWANG_TRUSTED_PROXIES=0): log-in "
                "lock-out, the audit log and the access log see only the proxy's address, so "
                "failed log-ins from everyone together can lock out everyone behind the proxy.",
                hint="Make the load balancer append the client's address to X-Forwarded-For and "
                "set YIWANG_TRUSTED_PROXIES to the number of proxies every request passes "
                "through (1 for a single load balancer).",
                id="yiwang.W007",
            )
        )
    return messages


def _writable(path: Path) -> str | None:
    """None when ``path`` is a directory we can create files in, else why not."""
    if not path.exists():
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot be created: {exc.strerror}"
    if not path.is_dir():
        return "is not a directory"
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".yiwang-check-"):
            pass
    except OSError as exc:
        return f"is not writable: {exc.strerror}"
    return None


@register(TAG)
def check_directories(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for label, path, setting, code in (
        ("data directory", Path(settings.DATA_DIR), "YIWANG_DATA_DIR", "yiwang.E010"),
        ("media directory", Path(settings.MEDIA_ROOT), "YIWANG_MEDIA_ROOT", "yiwang.E011"),
    ):
        problem = _writable(path)
        if problem:
            messages.append(
                Error(
                    f"The {label} {path} {problem}.",
                    hint=f"Give the user that runs yiwang write access to it, or point {setting} "
                    "somewhere it can write.",
                    id=code,
                )
            )
    return messages


@register(TAG)
def check_audit_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    # cryptography is imported here, not at module level, so that commands that never run
    # checks do not pay for it.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    configured = getattr(settings, "YIWANG_AUDIT_SIGNING_KEY", None)
    path = Path(settings.DATA_DIR) / "audit_signing_key.pem"
    if configured:
        pem, where = configured.encode(), "YIWANG_AUDIT_SIGNING_KEY"
    elif path.exists():
        try:
            pem, where = path.read_bytes(), str(path)
        except OSError as exc:
            return [
                Error(
                    f"The audit signing key {path} cannot be read: {exc.strerror}.",
                    hint="Give the user that runs yiwang read access to it.",
                    id="yiwang.E020",
                )
            ]
    else:
        if _production():
            return [
                Warning(
                    "No audit signing key yet; one will be generated into the data directory when "
                    "the first checkpoint is sealed.",
                    hint="In production set YIWANG_AUDIT_SIGNING_KEY from your secret store, so "
                    "every process signs with the same key and it is backed up.",
                    id="yiwang.W021",
                )
            ]
        return []
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        return [
            Error(
                f"The audit signing key in {where} is not a PEM private key: {exc}",
                hint="It must be an unencrypted Ed25519 private key in PEM form.",
                id="yiwang.E021",
            )
        ]
    if not isinstance(key, Ed25519PrivateKey):
        return [
            Error(
                f"The audit signing key in {where} is not an Ed25519 key.",
                hint="Generate one with `openssl genpkey -algorithm ed25519`.",
                id="yiwang.E022",
            )
        ]
    if not configured and os.stat(path).st_mode & 0o077:
        return [
            Warning(
                f"The audit signing key {path} can be read by other users.",
                hint=f"chmod 600 {path}",
                id="yiwang.W023",
            )
        ]
    return []


# The backends named by dotted path: each is imported only when the first message is sent, so a
# typo would pass every command and fail there. Each: the variable, the Django setting it sets,
# what the backend sends, an example value and the check's id.
BACKENDS = (
    (
        "YIWANG_EMAIL_BACKEND",
        "EMAIL_BACKEND",
        "e-mail",
        "django.core.mail.backends.smtp.EmailBackend",
        "yiwang.E040",
    ),
    (
        "YIWANG_SMS_BACKEND",
        "YIWANG_SMS_BACKEND",
        "text message",
        "yiwang.notifications.sms.LogBackend",
        "yiwang.E041",
    ),
)


@register(TAG)
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for variable, name, sends, example, code in BACKENDS:
        path = getattr(settings, name, None)
        if not path:
            continue
        try:
            import_string(path)
        except Exception as exc:  # whatever stops the import: a typo, a missing package, a bug
            messages.append(
                Error(
                    f"{variable}: the dotted path {path!r} cannot be imported "
                    f"({type(exc).__name__}: {exc}), so no {sends} could be sent.",
                    hint=f"Name an installed {sends} backend class, e.g. {variable}={example}, "
                    "and check that its package is installed in yiwang's environment.",
                    id=code,
                )
            )
    return messages


def _unreachable(alias: str, exc: Exception) -> Error:
    reason = str(exc)
    connection = connections[alias]
    if connection.vendor == "sqlite":
        folder = Path(str(connection.settings_dict["NAME"])).absolute().parent
        if not folder.is_dir():
            reason += f" (the directory {folder} does not exist)"
    return Error(
        f"The database {alias!r} cannot be reached: {reason}",
        hint="Check YIWANG_DATABASE_URL and that the server runs.",
        id="yiwang.E030",
    )


def unreachable_database(alias: str = "default") -> Error | None:
    """yiwang.E030 when the database cannot be connected to, else None.

    ``yiwang check`` asks first: Django's own model checks connect to a named database too, and
    would end in a traceback instead of this error.
    """
    try:
        connections[alias].ensure_connection()
    except DatabaseError as exc:
        return _unreachable(alias, exc)
    return None


def _migrating() -> bool:
    """Whether this process is Django's ``migrate`` command (``yiwang manage migrate``), which
    runs the checks first: telling it that migrations are pending would only say what it is
    about to do, after reading every migration once more to find out."""
    return "migrate" in sys.argv[1:3]


@register(Tags.database)
def check_database(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    if not databases or _migrating():
        return []
    messages: list[CheckMessage] = []
    for alias in databases:
        connection = connections[alias]
        try:
            from django.db.migrations.executor import MigrationExecutor

            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            messages.append(_unreachable(alias, exc))
            continue
        if pending:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
            more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
            messages.append(
                Warning(
                    f"{len(pending)} migration(s) are not applied to {alias!r}: {names}{more}.",
                    hint="Run `yiwang migrate`.",
                    id="yiwang.W031",
                )
            )
    return messages
