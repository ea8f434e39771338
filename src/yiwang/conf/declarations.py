"""Every environment variable yiwang reads, declared once with its type, default and help.

The Django settings module, ``yiwang config`` and the operator guide all read this table, so a
setting cannot exist in one place and be missing from another. How each kind of value is checked
is in :mod:`yiwang.conf.parsers`; :mod:`yiwang.conf.env` reads the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.conf.parsers import (
    BOOLEAN,
    DATABASE_URL,
    DIRECTORY,
    DOTTED_PATH,
    HOSTS,
    LANGUAGE,
    LOG_LEVEL,
    ORIGINS,
    PEM,
    PORT,
    REDIS_URL,
    TEXT,
    TIME_ZONE,
    Kind,
    one_of,
    whole_number,
)

# Whole numbers: a count or duration that may be 0, and one that must be at least 1.
COUNT = whole_number(0)
POSITIVE = whole_number(1)


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: Any
    help: str
    secret: bool = False
    # Shown in the operator guide instead of a computed default.
    default_doc: str | None = None

    def parse(self, raw: str) -> Any:
        return self.kind(raw)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "YIWANG_DATA_DIR",
        DIRECTORY,
        "./.yiwang",
        "Directory for the SQLite database, uploaded files, the generated secret key and "
        "the audit signing key.",
    ),
    Setting(
        "YIWANG_DATABASE_URL",
        DATABASE_URL,
        None,
        "Database URL: sqlite:///path (an absolute path has four slashes) or "
        "postgres://user:pass@host:port/name (postgresql:// too); no other database is supported.",
        secret=True,
        default_doc="sqlite:///$YIWANG_DATA_DIR/yiwang.sqlite3",
    ),
    Setting(
        "YIWANG_SECRET_KEY",
        TEXT,
        None,
        "Django secret key. When unset it is generated once into $YIWANG_DATA_DIR/secret_key; "
        "refused when unset with YIWANG_PRODUCTION on.",
        secret=True,
        default_doc="generated into the data directory",
    ),
    Setting(
        "YIWANG_PRODUCTION",
        BOOLEAN,
        False,
        "Production mode: refuses generated secrets, requires HTTPS cookies and allowed hosts.",
    ),
    Setting("YIWANG_DEBUG", BOOLEAN, False, "Django debug pages. Never on in production."),
    Setting(
        "YIWANG_ALLOWED_HOSTS",
        HOSTS,
        ["127.0.0.1", "localhost"],
        "Comma-separated host names this site answers to: names alone, without scheme or path "
        "(a leading dot matches subdomains too).",
    ),
    Setting(
        "YIWANG_CSRF_TRUSTED_ORIGINS",
        ORIGINS,
        [],
        "Comma-separated origins (scheme://host) trusted for CSRF behind a proxy.",
    ),
    Setting(
        "YIWANG_SECURE_COOKIES",
        BOOLEAN,
        None,
        "Send session and CSRF cookies only over HTTPS.",
        default_doc="on in production",
    ),
    Setting(
        "YIWANG_HSTS_PRELOAD",
        BOOLEAN,
        False,
        "In production mode, ask browsers to put the site on their HSTS preload lists "
        "(includeSubDomains and preload in the Strict-Transport-Security header). Hard to undo: "
        "turn it on only when every subdomain serves HTTPS, then submit the domain to "
        "hstspreload.org.",
    ),
    Setting(
        "YIWANG_BEHIND_TLS_PROXY",
        BOOLEAN,
        False,
        "Trust X-Forwarded-Proto from the load balancer to tell HTTPS requests.",
    ),
    Setting(
        "YIWANG_TRUSTED_PROXIES",
        COUNT,
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
        TIME_ZONE,
        "Asia/Shanghai",
        "Time zone for dates shown and deadlines (an IANA name).",
    ),
    Setting("YIWANG_LANGUAGE", LANGUAGE, "zh-hans", "Default language: zh-hans or en."),
    Setting(
        "YIWANG_EMAIL_BACKEND",
        DOTTED_PATH,
        "django.core.mail.backends.console.EmailBackend",
        "Django e-mail backend dotted path.",
    ),
    Setting("YIWANG_EMAIL_HOST", TEXT, "localhost", "SMTP host for the SMTP backend."),
    Setting("YIWANG_EMAIL_PORT", PORT, 25, "SMTP port."),
    Setting("YIWANG_EMAIL_HOST_USER", TEXT, "", "SMTP user name."),
    Setting("YIWANG_EMAIL_HOST_PASSWORD", TEXT, "", "SMTP password.", secret=True),
    Setting("YIWANG_EMAIL_USE_TLS", BOOLEAN, False, "Use STARTTLS for SMTP."),
    Setting("YIWANG_DEFAULT_FROM_EMAIL", TEXT, "yiwang@localhost", "Sender address of e-mails."),
    Setting(
        "YIWANG_SMS_BACKEND",
        DOTTED_PATH,
        "yiwang.notifications.sms.LogBackend",
        "Dotted path of the text-message backend (a subclass of "
        "yiwang.notifications.sms.BaseBackend); the default only writes messages to the log.",
    ),
    Setting(
        "YIWANG_SESSION_AGE_SECONDS",
        POSITIVE,
        30 * 60,
        "Idle time after which a session expires and the person must log in again.",
    ),
    Setting(
        "YIWANG_SESSION_REFRESH_SECONDS",
        COUNT,
        60,
        "How often, at most, a busy session's idle expiry is pushed forward (each push is a "
        "database write); the idle timeout is exact to within this many seconds.",
    ),
    Setting(
        "YIWANG_SESSION_MAX_AGE_SECONDS",
        POSITIVE,
        12 * 60 * 60,
        "Longest a session may last from login, however busy; then the person logs in again.",
    ),
    Setting(
        "YIWANG_LOGIN_FAILURE_LIMIT",
        POSITIVE,
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
        POSITIVE,
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
        POSITIVE,
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
        POSITIVE,
        60 * 60,
        "Seconds an e-mailed password-reset link works (once).",
    ),
    Setting(
        "YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT",
        POSITIVE,
        3,
        "Password-reset e-mails one account gets in an hour at most; a request beyond that gets "
        "the same answer as any other, but no e-mail, and is audited as "
        "identity.password_reset_withheld.",
    ),
    Setting(
        "YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS",
        POSITIVE,
        20,
        "Password-reset e-mails requested from one client address in an hour at most (for any "
        "accounts); beyond that, as for one account.",
    ),
    Setting(
        "YIWANG_AUDIT_SIGNING_KEY",
        PEM,
        None,
        "Ed25519 private key (PEM) that signs audit checkpoints; its line breaks may be written "
        "as `\\n`, as one line in an environment file. When unset it is generated once into "
        "$YIWANG_DATA_DIR/audit_signing_key.pem.",
        secret=True,
        default_doc="generated into the data directory",
    ),
    Setting(
        "YIWANG_AUDIT_SEAL_INTERVAL_SECONDS",
        POSITIVE,
        60,
        "How often the scheduler asks a worker to seal new audit events.",
    ),
    Setting(
        "YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS",
        COUNT,
        86400,
        "How often the scheduler has a worker verify the whole audit log (0: never; auditors can "
        "still ask for it). A problem found is sent to every auditor and platform admin.",
    ),
    Setting(
        "YIWANG_AUDIT_MAX_TRANSACTION_SECONDS",
        POSITIVE,
        600,
        "Longest a transaction may stay open. An unsealed event older than this before the "
        "latest checkpoint can only have been inserted behind the platform's back.",
    ),
    Setting(
        "YIWANG_TASKS_BACKEND",
        one_of("database", "immediate", "rq"),
        "database",
        "Background task backend: database (django-tasks-db), immediate (run inline; tests) "
        "or rq (needs YIWANG_REDIS_URL).",
    ),
    Setting(
        "YIWANG_REDIS_URL",
        REDIS_URL,
        "redis://127.0.0.1:6379/0",
        "Redis URL for the rq backend.",
        secret=True,
    ),
    Setting("YIWANG_WEB_WORKERS", POSITIVE, 2, "gunicorn worker processes for `yiwang serve`."),
    Setting(
        "YIWANG_DB_PREPARED_STATEMENTS",
        BOOLEAN,
        True,
        "On PostgreSQL, send parameters apart from the statement and prepare the statements a "
        "connection runs repeatedly, so the server parses and plans each once per connection. "
        "Turn off behind a pooler that cannot carry prepared statements (PgBouncer in "
        "transaction mode before 1.21).",
    ),
    Setting(
        "YIWANG_WEB_THREADS",
        POSITIVE,
        1,
        "Threads per web worker. 1 runs gunicorn's sync workers, the fastest on a small machine "
        "where the database shares the CPUs; more (gunicorn's gthread workers) let a worker "
        "serve others while a request waits, e.g. on a slow remote registry.",
    ),
    Setting(
        "YIWANG_MEDIA_ROOT",
        DIRECTORY,
        None,
        "Directory for uploaded files.",
        default_doc="$YIWANG_DATA_DIR/media",
    ),
    Setting(
        "YIWANG_MAX_UPLOAD_MB",
        POSITIVE,
        25,
        "Largest request accepted, in megabytes (of 1,048,576 bytes): a request whose "
        "Content-Length says more is refused with 413 before any of it is read or saved. It "
        "counts the whole request, a file together with the rest of its form, so keep it above "
        "the largest max_size_mb of any material in the catalogue, and give the reverse proxy "
        "the same limit (nginx: client_max_body_size).",
    ),
    Setting("YIWANG_LOG_LEVEL", LOG_LEVEL, "INFO", "Log level: DEBUG, INFO, WARNING, ERROR."),
    Setting(
        "YIWANG_SITE_NAME_ZH",
        TEXT,
        "一网通办",
        "Site name shown in page headers and titles when the page is in Chinese.",
    ),
    Setting(
        "YIWANG_SITE_NAME_EN",
        TEXT,
        "One-Stop Government Services",
        "Site name shown in page headers and titles when the page is in English.",
    ),
    Setting(
        "YIWANG_THEME_DIR",
        DIRECTORY,
        None,
        "Directory of static files that take precedence over the built-in ones; put "
        "yiwang/css/theme.css there to rebrand the site (see docs/theming.md).",
        default_doc="none: the built-in look",
    ),
)
