"""Every environment variable yiwang reads, declared once with its type, default and help.

The Django settings module, ``yiwang config`` and the operator guide all read this table, so a
setting cannot exist in one place and be missing from another. How each kind of value is checked
is in :mod:`yiwang.conf.parsers`; :mod:`yiwang.conf.env` reads the values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yiwang.conf.parsers import (
    parse_bool,
    parse_count,
    parse_database_url,
    parse_hosts,
    parse_int,
    parse_language,
    parse_log_level,
    parse_origins,
    parse_pem,
    parse_port,
    parse_positive,
    parse_str,
    parse_time_zone,
)


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    secret: bool = False
    # Shown in the operator guide instead of a computed default.
    default_doc: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "YIWANG_DATA_DIR",
        parse_str,
        "./.yiwang",
        "Directory for the SQLite database, uploaded files, the generated secret key and "
        "the audit signing key.",
    ),
    Setting(
        "YIWANG_DATABASE_URL",
        parse_database_url,
        None,
        "Database URL: sqlite:///path (an absolute path has four slashes) or "
        "postgres://user:pass@host:port/name (postgresql:// too); no other database is supported.",
        secret=True,
        default_doc="sqlite:///$YIWANG_DATA_DIR/yiwang.sqlite3",
    ),
    Setting(
        "YIWANG_SECRET_KEY",
        parse_str,
        None,
        "Django secret key. When unset it is generated once into $YIWANG_DATA_DIR/secret_key; "
        "refused when unset with YIWANG_PRODUCTION on.",
        secret=True,
        default_doc="generated into the data directory",
    ),
    Setting(
        "YIWANG_PRODUCTION",
        parse_bool,
        False,
        "Production mode: refuses generated secrets, requires HTTPS cookies and allowed hosts.",
    ),
    Setting("YIWANG_DEBUG", parse_bool, False, "Django debug pages. Never on in production."),
    Setting(
        "YIWANG_ALLOWED_HOSTS",
        parse_hosts,
        ["127.0.0.1", "localhost"],
        "Comma-separated host names this site answers to: names alone, without scheme or path "
        "(a leading dot matches subdomains too).",
    ),
    Setting(
        "YIWANG_CSRF_TRUSTED_ORIGINS",
        parse_origins,
        [],
        "Comma-separated origins (scheme://host) trusted for CSRF behind a proxy.",
    ),
    Setting(
        "YIWANG_SECURE_COOKIES",
        parse_bool,
        None,
        "Send session and CSRF cookies only over HTTPS.",
        default_doc="on in production",
    ),
    Setting(
        "YIWANG_HSTS_PRELOAD",
        parse_bool,
        False,
        "In production mode, ask browsers to put the site on their HSTS preload lists "
        "(includeSubDomains and preload in the Strict-Transport-Security header). Hard to undo: "
        "turn it on only when every subdomain serves HTTPS, then submit the domain to "
        "hstspreload.org.",
    ),
    Setting(
        "YIWANG_BEHIND_TLS_PROXY",
        parse_bool,
        False,
        "Trust X-Forwarded-Proto from the load balancer to tell HTTPS requests.",
    ),
    Setting(
        "YIWANG_TRUSTED_PROXIES",
        parse_count,
        0,
        "How many reverse proxies (load balancers) stand in front of yiwang, each adding the "
        "address it received the request from to X-Forwarded-For. The client's address, which "
        "log-in lock-out, the audit log and the web server's request log use, is then the "
        "entry that many places from the right; entries further left are never read, and a "
        "header without that many addresses at its right end is ignored. 0: the address the "
        "connection comes from. "
        "Set it only when every request passes through those proxies, or clients can choose "
        "their own address.",
    ),
    Setting(
        "YIWANG_TIME_ZONE",
        parse_time_zone,
        "Asia/Shanghai",
        "Time zone for dates shown and deadlines (an IANA name).",
    ),
    Setting("YIWANG_LANGUAGE", parse_language, "zh-hans", "Default language: zh-hans or en."),
    Setting(
        "YIWANG_EMAIL_BACKEND",
        parse_str,
        "django.core.mail.backends.console.EmailBackend",
        "Django e-mail backend dotted path.",
    ),
    Setting("YIWANG_EMAIL_HOST", parse_str, "localhost", "SMTP host for the SMTP backend."),
    Setting("YIWANG_EMAIL_PORT", parse_port, 25, "SMTP port."),
    Setting("YIWANG_EMAIL_HOST_USER", parse_str, "", "SMTP user name."),
    Setting("YIWANG_EMAIL_HOST_PASSWORD", parse_str, "", "SMTP password.", secret=True),
    Setting("YIWANG_EMAIL_USE_TLS", parse_bool, False, "Use STARTTLS for SMTP."),
    Setting(
        "YIWANG_DEFAULT_FROM_EMAIL", parse_str, "yiwang@localhost", "Sender address of e-mails."
    ),
    Setting(
        "YIWANG_SMS_BACKEND",
        parse_str,
        "yiwang.notifications.sms.LogBackend",
        "Dotted path of the text-message backend (a subclass of "
        "yiwang.notifications.sms.BaseBackend); the default only writes messages to the log.",
    ),
    Setting(
        "YIWANG_SESSION_AGE_SECONDS",
        parse_positive,
        30 * 60,
        "Idle time after which a session expires and the person must log in again.",
    ),
    Setting(
        "YIWANG_SESSION_REFRESH_SECONDS",
        parse_count,
        60,
        "How often, at most, a busy session's idle expiry is pushed forward (each push is a "
        "database write); the idle timeout is exact to within this many seconds.",
    ),
    Setting(
        "YIWANG_SESSION_MAX_AGE_SECONDS",
        parse_positive,
        12 * 60 * 60,
        "Longest a session may last from login, however busy; then the person logs in again.",
    ),
    Setting(
        "YIWANG_LOGIN_FAILURE_LIMIT",
        parse_int,
        5,
        "Failed log-ins of one user name (from any address and browser) that lock logging in "
        "with it; a wrong current password on a change-password page counts as one. The attempt "
        "that reaches the limit already gets the lock page. A failure counts until "
        "YIWANG_LOGIN_LOCKOUT_MINUTES pass with no further failure from the same user name, "
        "address and browser. A successful log-in clears the failures of its user name. "
        "Client addresses have their own limit, YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT.",
    ),
    Setting(
        "YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT",
        parse_positive,
        30,
        "Failed log-ins from one client address (for any user name, with any browser) that "
        "lock logging in from that address, for every user name, with the same lock page. "
        "Counted over the same time as the user name's (YIWANG_LOGIN_LOCKOUT_MINUTES), and not "
        "cleared by a successful log-in. Far above YIWANG_LOGIN_FAILURE_LIMIT because many "
        "people may share one address (an office behind one NAT); the address is the one "
        "YIWANG_TRUSTED_PROXIES gives, never one the client writes.",
    ),
    Setting(
        "YIWANG_LOGIN_LOCKOUT_MINUTES",
        parse_int,
        15,
        "How long failures are remembered, and so how long a lock lasts: until the failures "
        "still counted fall below YIWANG_LOGIN_FAILURE_LIMIT (for a user name) or "
        "YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT (for an address); for failures all from one browser, "
        "this many minutes after the last one. Every attempt during a lock, even with the right "
        "password, is refused and counted as a failure, so it starts the wait again. Resetting "
        "the password by e-mail clears the user name's failures at once.",
    ),
    Setting(
        "YIWANG_PASSWORD_RESET_TIMEOUT",
        parse_positive,
        60 * 60,
        "Seconds an e-mailed password-reset link works (once).",
    ),
    Setting(
        "YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT",
        parse_positive,
        3,
        "Password-reset e-mails one account gets in an hour at most; a request beyond that gets "
        "the same answer as any other, but no e-mail, and is audited as "
        "identity.password_reset_withheld.",
    ),
    Setting(
        "YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS",
        parse_positive,
        20,
        "Password-reset e-mails requested from one client address in an hour at most (for any "
        "accounts); beyond that, as for one account.",
    ),
    Setting(
        "YIWANG_AUDIT_SIGNING_KEY",
        parse_pem,
        None,
        "Ed25519 private key (PEM) that signs audit checkpoints; its line breaks may be written "
        "as `\\n`, as one line in an environment file. When unset it is generated once into "
        "$YIWANG_DATA_DIR/audit_signing_key.pem.",
        secret=True,
        default_doc="generated into the data directory",
    ),
    Setting(
        "YIWANG_AUDIT_SEAL_INTERVAL_SECONDS",
        parse_positive,
        60,
        "How often the scheduler asks a worker to seal new audit events.",
    ),
    Setting(
        "YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS",
        parse_count,
        86400,
        "How often the scheduler has a worker verify the whole audit log (0: never; auditors can "
        "still ask for it). A problem found is sent to every auditor and platform admin.",
    ),
    Setting(
        "YIWANG_AUDIT_MAX_TRANSACTION_SECONDS",
        parse_positive,
        600,
        "Longest a transaction may stay open. An unsealed event older than this before the "
        "latest checkpoint can only have been inserted behind the platform's back.",
    ),
    Setting(
        "YIWANG_TASKS_BACKEND",
        parse_str,
        "database",
        "Background task backend: database (django-tasks-db), immediate (run inline; tests) "
        "or rq (needs YIWANG_REDIS_URL).",
    ),
    Setting(
        "YIWANG_REDIS_URL",
        parse_str,
        "redis://127.0.0.1:6379/0",
        "Redis URL for the rq backend.",
        secret=True,
    ),
    Setting(
        "YIWANG_WEB_WORKERS", parse_positive, 2, "gunicorn worker processes for `yiwang serve`."
    ),
    Setting(
        "YIWANG_DB_PREPARED_STATEMENTS",
        parse_bool,
        True,
        "On PostgreSQL, send parameters apart from the statement and prepare the statements a "
        "connection runs repeatedly, so the server parses and plans each once per connection. "
        "Turn off behind a pooler that cannot carry prepared statements (PgBouncer in "
        "transaction mode before 1.21).",
    ),
    Setting(
        "YIWANG_WEB_THREADS",
        parse_positive,
        1,
        "Threads per web worker. 1 runs gunicorn's sync workers, the fastest on a small machine "
        "where the database shares the CPUs; more (gunicorn's gthread workers) let a worker "
        "serve others while a request waits, e.g. on a slow remote registry.",
    ),
    Setting(
        "YIWANG_MEDIA_ROOT",
        parse_str,
        None,
        "Directory for uploaded files.",
        default_doc="$YIWANG_DATA_DIR/media",
    ),
    Setting("YIWANG_LOG_LEVEL", parse_log_level, "INFO", "Log level: DEBUG, INFO, WARNING, ERROR."),
    Setting(
        "YIWANG_SITE_NAME_ZH",
        parse_str,
        "一网通办",
        "Site name shown in page headers and titles when the page is in Chinese.",
    ),
    Setting(
        "YIWANG_SITE_NAME_EN",
        parse_str,
        "One-Stop Government Services",
        "Site name shown in page headers and titles when the page is in English.",
    ),
    Setting(
        "YIWANG_THEME_DIR",
        parse_str,
        None,
        "Directory of static files that take precedence over the built-in ones; put "
        "yiwang/css/theme.css there to rebrand the site (see docs/theming.md).",
        default_doc="none: the built-in look",
    ),
)
