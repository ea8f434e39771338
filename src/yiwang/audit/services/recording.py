"""Recording audit events: checking what the caller passes and appending the event to the log."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.base import ModelState

from yiwang.audit import domain
from yiwang.audit.actors import Actor
from yiwang.audit.constants import MAX_DATA_BYTES, ActorType
from yiwang.audit.models import SEND_HELD, AuditEvent
from yiwang.core import clock
from yiwang.core.db.postgresql import deferred
from yiwang.core.middleware import current_request_id

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_SUBJECT = re.compile(r"^(person|firm):[^\s\x00-\x1f]{1,100}$")
_TOKEN = re.compile(r"^[^\x00-\x1f\x7f]*$")


class AuditError(ValueError):
    """An audit event cannot be recorded as asked; the message says what to change."""


class PayloadTooLarge(AuditError):
    pass


def _clean_label(value: str, limit: int) -> str:
    # Labels come from what people typed (display names); control characters become spaces.
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    return cleaned.strip()[:limit]


def _token(name: str, value: object, limit: int) -> str:
    text = "" if value is None else str(value)
    if len(text) > limit:
        raise AuditError(f"{name} is {len(text)} characters long; the limit is {limit}")
    if not _TOKEN.match(text):
        raise AuditError(f"{name} {text!r} contains a control character")
    return text


def _describe(actor: Any, department: Any, role: str | None) -> Actor:
    """Turn whatever the caller has into the actor fields the log stores."""
    dept_code = getattr(department, "code", department) or ""
    if isinstance(actor, Actor) and isinstance(dept_code, str):
        try:
            return _described(actor, dept_code, role)
        except TypeError:  # a field that is not a value (a list as id): checked below
            pass
    return _checked(actor, dept_code, role)


@functools.lru_cache(maxsize=1024)
def _described(actor: Actor, dept_code: str, role: str | None) -> Actor:
    # An Actor is a value (frozen): the same one, in the same capacity, is checked once.
    return _checked(actor, dept_code, role)


def _checked(actor: Any, dept_code: Any, role: str | None) -> Actor:
    if isinstance(actor, Actor):
        described = actor
    elif getattr(actor, "_meta", None) is not None and actor._meta.label_lower == (
        settings.AUTH_USER_MODEL.lower()
    ):
        label = _clean_label(str(actor.display_name or actor.username), 200)
        if actor.kind == "staff":
            if not dept_code and role is None:
                dept_code, role = _only_membership(actor)
            described = Actor(ActorType.STAFF, str(actor.pk), label)
        else:
            described = Actor(ActorType.PERSON, str(actor.pk), label)
    elif getattr(actor, "is_anonymous", False) is True:  # django's AnonymousUser
        described = Actor(ActorType.ANONYMOUS, "", "anonymous")
    else:
        raise AuditError(
            f"actor must be an account, an audit Actor (SYSTEM, system_actor(...), "
            f"anonymous(request)), got {type(actor).__name__}"
        )
    return Actor(
        type=str(described.type),
        id=_token("actor id", described.id, 100),
        label=_clean_label(described.label, 200),
        department=_token("department", dept_code or described.department, 32),
        role=_token("role", role or described.role, 32),
    )


def _only_membership(account: Any) -> tuple[str, str]:
    """The department and role of a staff member with exactly one active membership."""
    membership_model = apps.get_model("identity", "Membership")
    found = list(
        membership_model.objects.filter(account=account, is_active=True).values_list(
            "department__code", "role"
        )[:2]
    )
    if len(found) == 1:
        return str(found[0][0]), str(found[0][1])
    return "", ""  # none, or ambiguous: the caller should say which one it acted as


def subject_key(subject: Any) -> str:
    """``person:<national id>``, ``person:passport:<country>:<number>`` or ``firm:<uscc>``."""
    if isinstance(subject, str):
        if not _SUBJECT.match(subject):
            raise AuditError(
                f"subject {subject!r} must look like 'person:<national id>' or 'firm:<uscc>'"
            )
        return subject
    label = getattr(getattr(subject, "_meta", None), "label_lower", "")
    if label == "identity.person":
        if subject.national_id:
            return f"person:{subject.national_id}"
        if subject.passport_number:
            return f"person:passport:{subject.nationality}:{subject.passport_number}"
        raise AuditError(f"person {subject.pk} has neither a national id nor a passport number")
    if label == "identity.firm":
        return f"firm:{subject.uscc}"
    raise AuditError(f"a data subject must be a Person, a Firm or a string, got {subject!r}")


_ONE_SUBJECT = (str, Model)


def _subjects_json(subjects: Iterable[Any]) -> str:
    if isinstance(subjects, _ONE_SUBJECT):
        subjects = (subjects,)
    keys_: list[str] = []
    for subject in subjects:
        key = subject_key(subject)
        if key not in keys_:
            keys_.append(key)
    return domain.canonical_string_list(keys_)


def _data_json(data: dict[str, Any] | None) -> str:
    if data is None:
        return "{}"
    if not isinstance(data, dict):
        raise AuditError(f"data must be a dict, got {type(data).__name__}")
    try:
        text = domain.canonical_json(data)
    except (TypeError, ValueError) as exc:
        raise AuditError(f"data cannot be stored as JSON: {exc}") from exc
    # Four bytes at most per character: a short text needs no encoding to be measured.
    if (
        len(text) * 4 > MAX_DATA_BYTES
        and (size := len(text.encode("utf-8", "surrogatepass"))) > MAX_DATA_BYTES
    ):
        raise PayloadTooLarge(
            f"audit data is {size} bytes; the limit is {MAX_DATA_BYTES}. Record identifiers and a "
            "summary of what changed, not the record itself"
        )
    return text


def build_event(**arguments: Any) -> AuditEvent:
    """Validate and build an event without saving it: :func:`record_event`'s arguments, and the
    event it would write."""
    return _build(**arguments)[0]


def _build(
    *,
    actor: Any,
    action: str,
    obj: Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    subjects: Iterable[Any] = (),
    purpose: str | None = None,
    data: dict[str, Any] | None = None,
    department: Any = None,
    role: str | None = None,
) -> tuple[AuditEvent, list[bytes | None]]:
    """The event, and its columns after the id as the held-back INSERT sends them (the hashed
    fields in UTF-8, then the content hash): encoded once, for the hash and the insert both."""
    if not isinstance(action, str) or len(action) > 100 or not _ACTION.match(action):
        raise AuditError(
            f"action {action!r} must be a dotted lower-case name such as 'identity.login'"
        )
    if obj is not None:
        if object_type is not None or object_id is not None:
            raise AuditError("pass either obj or object_type/object_id, not both")
        if obj.pk is None:
            raise AuditError("save the object before recording an event about it")
        object_type = f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = str(obj.pk)
    who = _describe(actor, department, role)
    created_at = clock.now()
    fields = (
        domain.canonical_timestamp(created_at),
        who.type,
        who.id,
        who.label,
        who.department,
        who.role,
        action,
        _token("object_type", object_type, 100),
        _token("object_id", object_id, 100),
        _subjects_json(subjects),
        _token("purpose", purpose, 200),
        _token("request id", current_request_id(), 64),
        _data_json(data),
    )
    try:
        encoded = domain.encoded_fields(fields)
        digest = domain.encoded_content_hash(encoded)
    except ValueError as exc:
        raise AuditError(str(exc)) from exc
    return _new_event((None, created_at, *fields[1:], digest)), [*encoded, digest]


def _new_event(values: tuple[Any, ...]) -> AuditEvent:
    """An unsaved event from its values in column order: what ``AuditEvent(*values)`` gives,
    without the model's init signals, which nothing listens to for the log and which cost as
    much as the rest of building an event."""
    event = AuditEvent.__new__(AuditEvent)
    event._state = ModelState()
    event.__dict__.update(zip(_ATTNAMES, values, strict=True))
    return event


def event_fields(event: AuditEvent) -> tuple[str, ...]:
    """The hashed field values of an event, in :data:`domain.EVENT_FIELDS` order."""
    return (
        domain.canonical_timestamp(event.created_at),
        event.actor_type,
        event.actor_id,
        event.actor_label,
        event.actor_department,
        event.actor_role,
        event.action,
        event.object_type,
        event.object_id,
        event.subjects_json,
        event.purpose,
        event.request_id,
        event.data_json,
    )


def record_event(
    *,
    actor: Any,
    action: str,
    obj: Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    subjects: Iterable[Any] = (),
    purpose: str | None = None,
    data: dict[str, Any] | None = None,
    department: Any = None,
    role: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log, inside the caller's transaction.

    No savepoint of its own: if the caller's transaction rolls back, the event goes with it, and
    if recording fails, the caller's write fails too — a change is never kept without its record.
    ``department``/``role`` say in which capacity a staff member acted; when left out they are
    taken from the account's only active membership (and left blank if it has several).
    """
    event, values = _build(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        subjects=subjects,
        purpose=purpose,
        data=data,
        department=department,
        role=role,
    )
    _insert(event, values)
    return event


# AuditEvent's concrete fields after the id, in model order (a test keeps the two in step).
_COLUMNS = (
    "created_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "actor_department",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subjects_json",
    "purpose",
    "request_id",
    "data_json",
    "content_hash",
)
_ATTNAMES = ("id", *_COLUMNS)
_INSERT_SQL = (
    f"INSERT INTO audit_auditevent ({', '.join(_COLUMNS)}) "  # noqa: S608  # constants only
    f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) RETURNING id"
)
_HELD_INSERT_SQL = _INSERT_SQL.replace("%s", "$%d") % tuple(range(1, len(_COLUMNS) + 1))
_HELD_INSERT = _HELD_INSERT_SQL.encode()
_HELD_INSERT_NAME = b"yiwang_audit_insert"
_HELD_FORMATS = (0,) * (len(_COLUMNS) - 1) + (1,)


def _insert(event: AuditEvent, values: list[bytes | None]) -> None:
    """Insert through the ORM, or on PostgreSQL straight through psycopg.

    Every audited write pays for this insert. On PostgreSQL the connection holds it back and
    sends it with the transaction's next message — usually its COMMIT, in the same round trip
    (:mod:`yiwang.core.db.postgresql.deferred`); the server still runs it in its place, before
    anything issued after it, and if it fails, the transaction fails. The event's id arrives
    with the result; asking for it earlier sends the insert at once. In autocommit mode the
    insert goes at once, through psycopg without the ORM's query compilation. Either way the
    statement is prepared on the server once per connection (``YIWANG_DB_PREPARED_STATEMENTS``).
    """
    db = connections[DEFAULT_DB_ALIAS]  # one lookup; the `connection` proxy costs one per use
    if db.vendor != "postgresql":
        event.save()
        return
    raw = db.connection
    if raw is None:  # inside a transaction it is open; checked here, not on every call
        db.ensure_connection()
        raw = db.connection
    event._state.adding = False
    event._state.db = db.alias
    prepared = settings.YIWANG_DB_PREPARED_STATEMENTS
    if isinstance(raw, deferred.Connection):
        # values: the hashed fields' canonical text in UTF-8 (the timestamp's is what
        # PostgreSQL reads as a timestamptz), then the content hash, in binary (see _build).
        held = deferred.Statement(
            sql=_HELD_INSERT,
            values=values,
            formats=_HELD_FORMATS,
            on_result=functools.partial(_id_arrived, event),
            name=_HELD_INSERT_NAME if prepared else b"",
        )
        if raw.defer(held):
            data = event.__dict__
            del data["id"]
            data[SEND_HELD] = functools.partial(_send_held, db)
            return
    params = [getattr(event, column) for column in _COLUMNS]
    with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(_INSERT_SQL, params, prepare=prepared or None)
        row = cursor.fetchone()
    assert row is not None
    event.pk = row[0]


def _id_arrived(event: AuditEvent, value: bytes | None) -> None:
    # None: the insert was discarded with its transaction, so the event has no id.
    data = event.__dict__
    data["id"] = None if value is None else int(value)
    data.pop(SEND_HELD, None)


def _send_held(db: Any) -> None:
    with db.wrap_database_errors:
        db.connection.send_held()
