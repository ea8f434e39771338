"""Bulk loading of hosted records: many rows checked as one batch, written fast, audited once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.exchange import constants, policy
from yiwang.exchange.constants import SYSTEM_ROLE, RecordStatus
from yiwang.exchange.models import RegistryRecord, RegistryRecordVersion
from yiwang.exchange.services._common import (
    actor_label,
    audit_actor,
    is_department_system,
    record,
    require_registry_owner,
)
from yiwang.exchange.services.records import _cleaner, _require_reason, hosted_registry
from yiwang.exchange.types import RecordImport
from yiwang.identity.constants import Role

# Rows per call: one call is one transaction and one audit event, so a batch stays small
# enough to hold in memory and to roll back.
MAX_IMPORT_ROWS = 10_000
# Keys looked up per query: a few hundred keep PostgreSQL on the unique index.
_LOOKUP_CHUNK = 500
# Problems reported at most, so a wholly wrong file does not produce a wholly huge error.
_MAX_PROBLEMS = 50


def _existing_keys(registry_id: int, keys: list[str]) -> set[str]:
    found: set[str] = set()
    iterator = iter(keys)
    while chunk := list(islice(iterator, _LOOKUP_CHUNK)):
        found.update(
            RegistryRecord.objects.filter(registry_id=registry_id, record_key__in=chunk)
            .order_by()
            .values_list("record_key", flat=True)
        )
    return found


# Rows per INSERT statement: 500 rows of 9 columns stay far below every backend's limit on
# query parameters.
_INSERT_CHUNK = 500


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete column, not a reverse relation
    return field


def _column(model: type[models.Model], name: str) -> str:
    column = _field(model, name).column
    assert column is not None
    return column


def _prepared(model: type[models.Model], name: str, value: Any, connection: Any) -> Any:
    return _field(model, name).get_db_prep_save(value, connection=connection)


def _insert(
    model: type[models.Model],
    columns: list[str],
    rows: list[tuple[Any, ...]],
    *,
    returning: str | None = None,
) -> list[tuple[Any, ...]]:
    """Write rows of already-prepared values: COPY on PostgreSQL, multi-row INSERTs elsewhere.

    ``bulk_create`` compiles every field of every object and, on a million records, spent
    most of a demo load doing so; here values are prepared once per column kind by the caller.
    On PostgreSQL a statement with thousands of placeholders costs more to build than to run,
    so rows go through COPY (``returning`` is then not available: look the ids up).
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(_column(model, c)) for c in columns)
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assert returning is None, "COPY returns nothing"
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return out
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(chunk))}"  # noqa: S608  # names from the model
            if returning:
                sql += f" RETURNING {quote(_column(model, returning))}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                out.extend(cursor.fetchall())
    return out


def _insert_records(
    info: policy.RegistryInfo, fresh: list[tuple[dict[str, Any], Any]], *, now: Any
) -> dict[str, int]:
    """Insert the current rows (clean values, values prepared for the database); returns
    record key -> id."""
    connection = connections[router.db_for_write(RegistryRecord)]
    key_field = info.record_key_field
    at = _prepared(RegistryRecord, "created_at", now, connection)
    rows = [
        (
            info.id,
            str(clean[key_field]),
            clean[info.subject_field],
            1,
            RecordStatus.ACTIVE.value,
            prepared,
            at,
            at,
        )
        for clean, prepared in fresh
    ]
    columns = [
        "registry",
        "record_key",
        "subject_key",
        "version",
        "status",
        "values",
        "created_at",
        "updated_at",
    ]
    keys = [row[1] for row in rows]
    if connection.vendor == "postgresql":
        # Take the ids from the table's sequence first, so COPY can write them and nothing
        # has to be looked up again afterwards.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [RegistryRecord._meta.db_table, _column(RegistryRecord, "id"), len(rows)],
            )
            ids = [int(row[0]) for row in cursor.fetchall()]
        _insert(
            RegistryRecord,
            ["id", *columns],
            [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
        )
        return dict(zip(keys, ids, strict=True))
    if connection.features.can_return_rows_from_bulk_insert:
        returned = _insert(RegistryRecord, columns, rows, returning="id")
        # SQLite returns the ids of a multi-row INSERT in row order (bulk_create relies on it).
        return {key: int(row[0]) for key, row in zip(keys, returned, strict=True)}
    _insert(RegistryRecord, columns, rows)
    found: dict[str, int] = {}
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        found.update(
            RegistryRecord.objects.filter(
                registry_id=info.id, record_key__in=keys[start : start + _LOOKUP_CHUNK]
            )
            .order_by()
            .values_list("record_key", "pk")
        )
    return found


def _insert_versions(
    rows: list[tuple[int, Any]],
    *,
    now: Any,
    account: Any,
    system: Any,
    label: str,
    reason: str,
) -> None:
    """Insert version 1 of each new record: (record id, values prepared for the database)."""
    connection = connections[router.db_for_write(RegistryRecordVersion)]
    at = _prepared(RegistryRecordVersion, "created_at", now, connection)
    account_id = getattr(account, "pk", None)
    system_id = getattr(system, "pk", None)
    _insert(
        RegistryRecordVersion,
        [
            "record",
            "version",
            "values",
            "status",
            "changed_by_account",
            "changed_by_system",
            "changed_by_label",
            "reason",
            "created_at",
        ],
        [
            (
                record_id,
                1,
                prepared,
                RecordStatus.ACTIVE.value,
                account_id,
                system_id,
                label,
                reason,
                at,
            )
            for record_id, prepared in rows
        ],
    )


def bulk_import_records(
    *,
    actor: Any,
    registry: str,
    rows: Iterable[Mapping[str, Any]],
    reason: str,
    skip_existing: bool = False,
) -> RecordImport:
    """Create many hosted records at once: an initial load or a migration from another system.

    Every row is checked against the registry's elements exactly as :func:`create_record`
    checks one; one bad row refuses the whole batch with a ``ValidationError`` naming
    ``rows[i].field``. A key already in the registry is refused too, or — with
    ``skip_existing`` — left as it is and counted, which makes loading the same rows again a
    no-op. Current rows and their first versions are written with ``bulk_create``, in one
    transaction with **one** audit event for the batch (registry, counts, the fields written
    and a SHA-256 over the sorted record keys, which pins down exactly which records were
    made); no event when nothing was created. At most ``MAX_IMPORT_ROWS`` rows per call.
    """
    info = hosted_registry(registry)
    require_registry_owner(actor, info.department_id)
    reason = _require_reason(reason)
    batch = list(rows)
    if len(batch) > MAX_IMPORT_ROWS:
        raise ValidationError(
            {"rows": _("Import at most %(limit)s records at a time.") % {"limit": MAX_IMPORT_ROWS}}
        )
    key_field = info.record_key_field
    with transaction.atomic():
        # Keys as given first, so rows already loaded are not even checked again.
        given = [str(row.get(key_field) or "").strip() for row in batch]
        existing = _existing_keys(info.id, [k for k in given if k]) if skip_existing else set()
        clean_record = _cleaner(info)
        fresh: list[dict[str, Any]] = []
        errors: dict[str, list[str]] = {}
        seen: dict[str, int] = {}
        skipped = 0
        for i, (row, key) in enumerate(zip(batch, given, strict=True)):
            if key in existing:
                skipped += 1
                continue
            if len(errors) >= _MAX_PROBLEMS:
                break
            try:
                clean = clean_record(row)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors[f"rows[{i}].{name}"] = messages
                continue
            clean_key = str(clean[key_field])
            if clean_key in seen:
                errors[f"rows[{i}].{key_field}"] = [
                    _("The same key is already in rows[%(row)s].") % {"row": seen[clean_key]}
                ]
                continue
            seen[clean_key] = i
            fresh.append(clean)
        if errors:
            raise ValidationError(errors)
        if skip_existing:
            # A key written differently from its canonical form (a lower-case x) was not
            # found above; look those up again under the form that would be stored.
            as_given = set(given)
            renamed = [str(c[key_field]) for c in fresh if str(c[key_field]) not in as_given]
            clash = _existing_keys(info.id, renamed) if renamed else set()
            if clash:
                skipped += sum(1 for c in fresh if str(c[key_field]) in clash)
                fresh = [c for c in fresh if str(c[key_field]) not in clash]
        else:
            already = _existing_keys(info.id, [str(c[key_field]) for c in fresh])
            if already:
                raise ValidationError(
                    {
                        key_field: _(
                            "The registry already holds %(count)s of these records; "
                            "update them instead, or skip the ones that exist."
                        )
                        % {"count": len(already)}
                    }
                )
        if not fresh:
            return RecordImport(registry=info.code, created=0, skipped=skipped)
        now = clock.now()
        system = actor if is_department_system(actor) else None
        # Each record's values made JSON once, for its current row and its first version.
        values_field = _field(RegistryRecord, "values")
        connection = connections[router.db_for_write(RegistryRecord)]
        prepared = [(c, values_field.get_db_prep_save(c, connection=connection)) for c in fresh]
        ids = _insert_records(info, prepared, now=now)
        _insert_versions(
            [(ids[str(c[key_field])], json_values) for c, json_values in prepared],
            now=now,
            account=None if system is not None else actor,
            system=system,
            label=actor_label(actor),
            reason=reason,
        )
        keys = sorted(ids)
        digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()
        # Counts, field names and a digest of the keys: never values (personal data), and not
        # thousands of subjects in one event.
        event = record(
            actor=audit_actor(actor),
            action=constants.ACTION_RECORDS_IMPORTED,
            department=info.department_code,
            role=SYSTEM_ROLE if system is not None else Role.DATA_OFFICER,
            object_type="registry",
            object_id=info.code,
            data={
                "registry": info.code,
                "created": len(fresh),
                "skipped": skipped,
                "fields": sorted({name for c in fresh for name in c}),
                "keys_sha256": digest,
            },
        )
    return RecordImport(
        registry=info.code,
        created=len(fresh),
        skipped=skipped,
        audit_event_id=getattr(event, "pk", None),
    )


def refresh_record_statistics() -> int:
    """Bring PostgreSQL's planner statistics of the record tables up to date; return its
    estimate of the current records (0 on other databases, which need nothing).

    Call it now and then while a bulk load grows the tables from nothing to millions: until
    autovacuum notices, the planner takes them for small and looks keys up with sequential
    scans, each batch slower than the last. Not a write of registry data, so not audited.
    """
    connection = connections[router.db_for_write(RegistryRecord)]
    if connection.vendor != "postgresql":
        return 0
    quote = connection.ops.quote_name
    table = RegistryRecord._meta.db_table
    with connection.cursor() as cursor:
        for model in (RegistryRecord, RegistryRecordVersion):
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
        cursor.execute(
            "SELECT coalesce(max(reltuples), 0) FROM pg_class WHERE relname = %s", [table]
        )
        row = cursor.fetchone()
    return max(int(row[0]) if row else 0, 0)
