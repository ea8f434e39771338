"""Load the demo world into the database.

Loading is idempotent: every record is found by its natural key (region and department code,
user name, national id or passport, credit code) and only what is missing or different is
written, so a second load with the same files and the same seed writes nothing and records no
audit event. The loader adds and updates; it never deletes what it finds in the database.

The hand-written part goes through the identity services, which check the actor and write one
audit event per change. Generated people and firms are written in bulk: see
:func:`load_generated_people` for how they are audited.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.utils import timezone

from yiwang.core import clock
from yiwang.core.errors import LoadError, LoadProblem, PermissionDenied, YiwangError
from yiwang.demo import generator, loader
from yiwang.demo.loader import RecordSpec, World
from yiwang.identity import services as identity
from yiwang.identity.constants import AccountKind, IdKind, RepresentativeRole, Role
from yiwang.identity.models import (
    Account,
    Department,
    Firm,
    FirmRepresentative,
    Membership,
    Person,
    Region,
)

DEFAULT_SEED = 2026
BATCH_SIZE = 5000

Progress = Callable[[int], None]
T = TypeVar("T")


class DemoRefusedError(YiwangError):
    """The demo world must never be loaded into a production database."""


def demo_actor() -> Any:
    from yiwang.audit.actors import system_actor

    return system_actor("demo-loader")


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise DemoRefusedError(
            "The demo world has published passwords and fictional people; it is never loaded "
            "with YIWANG_PRODUCTION on. Use a separate, non-production data directory or "
            "database for the demo."
        )


def _record(**kwargs: Any) -> Any:
    from yiwang.audit.services import record_event

    return record_event(**kwargs)


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


class _Failed(Exception):
    def __init__(self, problem: LoadProblem) -> None:
        self.problem = problem


def _reason(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class _Step:
    """Turns a refusal from an identity service into a problem naming the file and path."""

    def __init__(self, file: str, path: str) -> None:
        self.file, self.path = file, path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if isinstance(exc, ValidationError | PermissionDenied):
            raise _Failed(LoadProblem(self.file, self.path, _reason(exc))) from exc


def _update(
    *, actor: Any, instance: Any, wanted: dict[str, Any], report: LoadReport, kind: str
) -> None:
    changed = [name for name, value in wanted.items() if getattr(instance, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(instance, name, wanted[name])
    instance.full_clean(exclude=["account", "password"], validate_unique=False)
    identity.save_record(actor=actor, instance=instance, created=False, fields=changed)
    report.updated[kind] += 1


def _load_regions(world: World, actor: Any, report: LoadReport) -> dict[str, Region]:
    regions: dict[str, Region] = {r.code: r for r in Region.objects.all()}
    for i, spec in enumerate(world.regions):
        parent = regions[spec.parent] if spec.parent else None
        region = regions.get(spec.code)
        with _Step("regions.yaml", f"regions[{i}]"):
            if region is None:
                regions[spec.code] = identity.create_region(
                    actor=actor,
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    level=spec.level,
                    parent=parent,
                )
                report.created["region"] += 1
            else:
                _update(
                    actor=actor,
                    instance=region,
                    report=report,
                    kind="region",
                    wanted={
                        "name_zh": spec.name_zh,
                        "name_en": spec.name_en,
                        "level": spec.level,
                        "parent": parent,
                    },
                )
    return regions


def _load_departments(
    world: World, actor: Any, report: LoadReport, regions: dict[str, Region]
) -> dict[str, Department]:
    departments = {d.code: d for d in Department.objects.all()}
    for i, spec in enumerate(world.departments):
        department = departments.get(spec.code)
        with _Step("departments.yaml", f"departments[{i}]"):
            if department is None:
                departments[spec.code] = identity.create_department(
                    actor=actor,
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    region=regions[spec.region],
                )
                report.created["department"] += 1
            else:
                _update(
                    actor=actor,
                    instance=department,
                    report=report,
                    kind="department",
                    wanted={
                        "name_zh": spec.name_zh,
                        "name_en": spec.name_en,
                        "region": regions[spec.region],
                        "is_active": True,
                    },
                )
    return departments


class _DemoPassword:
    """Gives each new demo account the demo password, hashed once for all of them.

    The accounts are made by the identity services without a password (which they record as
    "created"), then get this hash in the same transaction. A per-account salt protects nothing
    here, since the password is published, and hashing it once per account with Argon2 took most
    of the demo's start-up time. The loader has already checked the password against the
    validators with every account's attributes.
    """

    def __init__(self, password: str) -> None:
        self.password = password
        self._hash: str | None = None

    def give(self, account: Account) -> None:
        if self._hash is None:
            self._hash = make_password(self.password)
        account.password = self._hash
        account.save(update_fields=["password"])


def _load_staff(
    world: World,
    actor: Any,
    report: LoadReport,
    departments: dict[str, Department],
    passwords: _DemoPassword,
) -> None:
    for i, spec in enumerate(world.staff):
        where = f"staff[{i}]"
        account = Account.objects.filter(username__iexact=spec.username).first()
        with _Step("staff.yaml", where):
            if account is None:
                # The demo password is set only when the account is made, so a password
                # someone changed while trying the demo survives a reload.
                account = identity.create_staff_account(
                    actor=actor,
                    username=spec.username,
                    display_name=spec.display_name,
                    email=spec.email,
                    password=None,
                    is_superuser=spec.is_superuser,
                )
                passwords.give(account)
                report.created["staff account"] += 1
            elif account.kind != AccountKind.STAFF:
                raise ValidationError(f"{spec.username!r} already exists as a citizen account")
            else:
                _update(
                    actor=actor,
                    instance=account,
                    report=report,
                    kind="staff account",
                    wanted={
                        "display_name": spec.display_name,
                        "email": spec.email,
                        "is_superuser": spec.is_superuser,
                        "is_active": True,
                    },
                )
        for j, (code, role) in enumerate(spec.memberships):
            department = departments[code]
            held = Membership.objects.filter(
                account=account, department=department, role=role, is_active=True
            ).exists()
            if held:
                continue
            with _Step("staff.yaml", f"{where}.memberships[{j}]"):
                identity.grant_membership(
                    actor=actor, account=account, department=department, role=role
                )
            report.created["membership"] += 1


def _find_person(national_id: str | None, passport: str, nationality: str) -> Person | None:
    if national_id:
        return Person.objects.filter(national_id=national_id).first()
    return Person.objects.filter(
        id_kind=IdKind.PASSPORT, passport_number=passport, nationality=nationality
    ).first()


def _load_people(
    world: World, actor: Any, report: LoadReport, passwords: _DemoPassword
) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for i, spec in enumerate(world.people):
        where = f"people[{i}]"
        person = _find_person(spec.national_id, spec.passport_number, spec.nationality)
        with _Step("people.yaml", where):
            if spec.username and (person is None or person.account_id is None):
                account = identity.register_citizen(
                    actor=actor,
                    username=spec.username,
                    password=None,
                    name=spec.name,
                    national_id=spec.national_id,
                    id_kind=IdKind.NATIONAL_ID if spec.national_id else IdKind.PASSPORT,
                    passport_number=spec.passport_number,
                    nationality=spec.nationality,
                    birth_date=spec.birth_date,
                    phone=spec.phone,
                    email=spec.email,
                )
                passwords.give(account)
                report.created["citizen account"] += 1
                if person is None:
                    report.created["person"] += 1
                person = _find_person(spec.national_id, spec.passport_number, spec.nationality)
                assert person is not None
            elif person is None:
                person = Person(
                    id_kind=IdKind.NATIONAL_ID if spec.national_id else IdKind.PASSPORT,
                    national_id=spec.national_id,
                    passport_number=spec.passport_number,
                    nationality=spec.nationality,
                    name=spec.name,
                    birth_date=spec.birth_date,
                    phone=spec.phone,
                    email=spec.email,
                )
                person.full_clean(exclude=["account"])
                identity.save_record(
                    actor=actor,
                    instance=person,
                    created=True,
                    fields=["name", "birth_date", "phone", "email"],
                )
                report.created["person"] += 1
            elif (
                spec.username
                and person.account
                and (person.account.username.lower() != spec.username.lower())
            ):
                raise ValidationError(
                    f"this person already has the account {person.account.username!r}, "
                    f"not {spec.username!r}"
                )
            _update(
                actor=actor,
                instance=person,
                report=report,
                kind="person",
                wanted={
                    "name": spec.name,
                    "birth_date": spec.birth_date,
                    "phone": spec.phone,
                    "email": spec.email,
                },
            )
        people[spec.key] = person
    return people


def _load_firms(
    world: World,
    actor: Any,
    report: LoadReport,
    regions: dict[str, Region],
    people: dict[str, Person],
) -> None:
    for i, spec in enumerate(world.firms):
        where = f"firms[{i}]"
        firm = Firm.objects.filter(uscc=spec.uscc).first()
        with _Step("firms.yaml", where):
            if firm is None:
                firm = identity.create_firm(
                    actor=actor,
                    uscc=spec.uscc,
                    name=spec.name_zh,
                    name_en=spec.name_en,
                    region=regions[spec.region],
                )
                report.created["firm"] += 1
            else:
                _update(
                    actor=actor,
                    instance=firm,
                    report=report,
                    kind="firm",
                    wanted={
                        "name": spec.name_zh,
                        "name_en": spec.name_en,
                        "region": regions[spec.region],
                    },
                )
        for j, (key, role) in enumerate(spec.representatives):
            person = people[key]
            if FirmRepresentative.objects.filter(firm=firm, person=person, role=role).exists():
                continue
            with _Step("firms.yaml", f"{where}.representatives[{j}]"):
                identity.add_firm_representative(actor=actor, firm=firm, person=person, role=role)
            report.created["firm representative"] += 1


def load_world(*, actor: Any, world: World) -> LoadReport:
    """Write the hand-written demo world, all or nothing, and say what changed."""
    refuse_in_production()
    report = LoadReport()
    try:
        with transaction.atomic():
            regions = _load_regions(world, actor, report)
            departments = _load_departments(world, actor, report, regions)
            passwords = _DemoPassword(world.password)
            _load_staff(world, actor, report, departments, passwords)
            people = _load_people(world, actor, report, passwords)
            _load_firms(world, actor, report, regions, people)
    except _Failed as failed:
        raise LoadError([failed.problem]) from failed.__cause__
    return report


# --- Service catalogue ----------------------------------------------------------------------

SERVICES_DIR = Path(__file__).resolve().parent / "definitions"


def load_catalogue(*, actor: Any) -> list[str]:
    """Load and publish the demo's service and bundle definitions; return what changed.

    The catalogue's own loader does the work (all files or none, one audit event per new
    version); definitions already published with the same content are left as they are.
    """
    refuse_in_production()
    from yiwang.catalogue.services import load_definitions

    report = load_definitions([SERVICES_DIR], actor=actor, publish=True)
    return [f"{o.kind} {o.code} v{o.version} {o.action}" for o in report.changed]


# --- Data exchange: registries, agreements and the hand-written people's records ------------

EXCHANGE_DEFINITIONS = Path(__file__).resolve().parent / "data" / "exchange" / "definitions"
# The registries generated people and firms are entered in.
POPULATION = "population"
LEGAL_ENTITY = "legal_entity"
RECORDS_REASON = "Demo City: initial load of the registry"


@dataclass
class ExchangeReport:
    definitions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    approved: list[str] = field(default_factory=list)
    records_created: Counter[str] = field(default_factory=Counter)
    records_updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(
            self.definitions.get("created")
            or self.definitions.get("updated")
            or self.approved
            or sum(self.records_created.values())
            or sum(self.records_updated.values())
        )


def _data_officers(world: World) -> list[str]:
    return [
        s.username
        for s in world.staff
        if any(role == Role.DATA_OFFICER for _, role in s.memberships)
    ]


def registry_officer(department_code: str) -> Account | None:
    """The account that writes a demo registry: its department's first active data officer."""
    membership = (
        Membership.objects.filter(
            department__code=department_code,
            role=Role.DATA_OFFICER,
            is_active=True,
            account__is_active=True,
        )
        .select_related("account")
        .order_by("account__username")
        .first()
    )
    return membership.account if membership else None


def _validation_problem(spec: RecordSpec, exc: ValidationError) -> list[LoadProblem]:
    if hasattr(exc, "error_dict"):
        return [
            LoadProblem(loader.RECORDS_FILE, f"{spec.path}.{name}", " ".join(messages))
            for name, messages in exc.message_dict.items()
        ]
    return [LoadProblem(loader.RECORDS_FILE, spec.path, " ".join(exc.messages))]


def _load_records(
    records: tuple[RecordSpec, ...], report: ExchangeReport, today: dt.date
) -> list[LoadProblem]:
    from yiwang.exchange import selectors as exchange_selectors
    from yiwang.exchange import services as exchange

    problems: list[LoadProblem] = []
    for spec in records:
        info = exchange_selectors.registry_info(spec.registry)
        if info is None:
            problems.append(
                LoadProblem(
                    loader.RECORDS_FILE,
                    f"records.{spec.registry}",
                    f"no registry {spec.registry!r} in data/exchange/definitions",
                )
            )
            continue
        officer = registry_officer(info.department_code)
        if officer is None:
            problems.append(
                LoadProblem(
                    loader.RECORDS_FILE,
                    f"records.{spec.registry}",
                    f"no data officer of {info.department_code!r} in staff.yaml to write it",
                )
            )
            continue
        key = spec.values.get(info.record_key_field)
        if not isinstance(key, str) or not key:
            problems.append(
                LoadProblem(
                    loader.RECORDS_FILE,
                    f"{spec.path}.{info.record_key_field}",
                    "the record key is missing",
                )
            )
            continue
        try:
            found = exchange_selectors.read_record(
                actor=officer, registry=spec.registry, record_key=key
            )
            if found is None:
                exchange.create_record(
                    actor=officer,
                    registry=spec.registry,
                    values=spec.resolved(today),
                    reason=RECORDS_REASON,
                )
                report.records_created[spec.registry] += 1
            else:
                # Dates relative to the first load stay as they were: the newborn of the
                # demo was born N days before the demo was set up, not before every reload.
                changed = exchange.update_record(
                    actor=officer,
                    registry=spec.registry,
                    record_key=key,
                    changes=spec.fixed,
                    reason=f"{loader.RECORDS_FILE} changed",
                )
                if changed.version != found.version:
                    report.records_updated[spec.registry] += 1
        except ValidationError as exc:
            problems.extend(_validation_problem(spec, exc))
        except PermissionDenied as exc:
            problems.append(LoadProblem(loader.RECORDS_FILE, spec.path, str(exc)))
    return problems


def load_exchange(
    *, actor: Any, world: World, records: tuple[RecordSpec, ...] | None = None
) -> ExchangeReport:
    """Load the demo's data elements, purposes, registries and sharing agreements (approved by
    the providers' data officers), then the hand-written people's and firms' registry records,
    all or nothing. Needs the demo world (its staff) loaded first. Loading again changes
    nothing; a changed file is applied as an update, audited like any other.
    """
    refuse_in_production()
    from yiwang.exchange.loaders import load_definitions

    if records is None:
        records = loader.read_exchange_records()
    report = ExchangeReport()
    today: dt.date = timezone.localdate(clock.now())
    with transaction.atomic():
        definitions = load_definitions(
            [EXCHANGE_DEFINITIONS], actor=actor, approve_as=_data_officers(world)
        )
        report.definitions = {
            "created": definitions.created,
            "updated": definitions.updated,
        }
        report.approved = list(definitions.approved)
        problems = _load_records(records, report, today)
        if problems:
            raise LoadError(problems)
    return report


# --- Generated people and firms -------------------------------------------------------------


@dataclass
class BulkReport:
    created: int = 0
    skipped: int = 0
    batches: int = 0
    # Registry records added for them (population, legal entities); 0 without the exchange.
    records: int = 0


class _RegistryImport:
    """Enters generated people or firms in their registry, if the demo exchange is loaded.

    Goes through the exchange's ``bulk_import_records``: each row checked against the data
    elements, one audit event per batch, rows already there skipped. Written by the
    registry's department's data officer, as an initial load by that department would be.
    Like :class:`_PlannerStatistics`, keeps PostgreSQL's view of the growing record tables
    current, through the exchange (their tables are the exchange's business).
    """

    def __init__(self, registry: str) -> None:
        from yiwang.exchange import selectors as exchange_selectors

        self.registry = registry
        self.officer: Account | None = None
        self.known_rows = 0
        self.since = 0
        info = exchange_selectors.registry_info(registry)
        if info is None or not info.is_active:
            return
        self.officer = registry_officer(info.department_code)
        if self.officer is None:
            raise LoadError(
                [
                    LoadProblem(
                        "staff.yaml",
                        "staff",
                        f"no data officer of {info.department_code!r} to write the "
                        f"{registry!r} registry",
                    )
                ]
            )
        self._refresh()

    def _refresh(self) -> None:
        from yiwang.exchange import services as exchange

        self.known_rows = exchange.refresh_record_statistics()
        self.since = 0

    def add(self, rows: list[dict[str, Any]]) -> int:
        if self.officer is None:
            return 0
        from yiwang.exchange import services as exchange

        try:
            result = exchange.bulk_import_records(
                actor=self.officer,
                registry=self.registry,
                rows=rows,
                reason=RECORDS_REASON,
                skip_existing=True,
            )
        except ValidationError as exc:
            # The generator and the definitions disagree: name it as precisely as we can.
            raise LoadError(
                [
                    LoadProblem("exchange/definitions", f"{self.registry}: {name}", message)
                    for name, messages in exc.message_dict.items()
                    for message in messages
                ]
            ) from exc
        return result.created

    def grew(self, rows: int) -> None:
        self.since += rows
        if self.officer is not None and self.since >= max(BATCH_SIZE, self.known_rows):
            self._refresh()


def population_row(seed: int, person: generator.GeneratedPerson) -> dict[str, Any]:
    """A generated person's population record: identity from the generator, the rest derived
    from the national id and the seed."""
    return {
        "national_id": person.national_id,
        "person_name": person.name,
        "sex": generator.sex_of(person.national_id),
        "birth_date": person.birth_date.isoformat(),
        "household_address": generator.household_address(seed, person.national_id),
    }


def legal_entity_row(seed: int, firm: generator.GeneratedFirm) -> dict[str, Any]:
    details = generator.firm_record(seed, firm)
    return {
        "uscc": firm.uscc,
        "firm_name": firm.name,
        "legal_representative_id": firm.representative_national_id,
        "registered_address": details.registered_address,
        "established_on": details.established_on.isoformat(),
        "registered_capital": details.registered_capital,
        "status": details.status,
    }


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _BulkInserter:
    """Insert many rows of one model fast: COPY on PostgreSQL, ``executemany`` elsewhere.

    ``bulk_create`` spends most of its time preparing every field of every object. Here a
    template object is prepared once (defaults, ``auto_now`` times and fields added to the model
    later included) and only the fields that differ from row to row are prepared per row. On a
    million people this is several times faster, and COPY on PostgreSQL faster still.
    """

    def __init__(self, template: Model, varying: list[str]) -> None:
        self.model = type(template)
        self.connection = connections[router.db_for_write(self.model)]
        fields: list[Field[Any, Any]] = [
            f for f in self.model._meta.concrete_fields if not f.primary_key
        ]
        by_name = {f.name: f for f in fields}
        self.varying = [by_name[name] for name in varying]
        fixed = [f for f in fields if f not in self.varying]
        self.fixed_values = tuple(
            f.get_db_prep_save(f.pre_save(template, True), connection=self.connection)
            for f in fixed
        )
        self.columns = [str(f.column) for f in [*self.varying, *fixed]]
        self.table = self.model._meta.db_table

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> None:
        prepared = [
            tuple(
                field.get_db_prep_save(value, connection=self.connection)
                for field, value in zip(self.varying, row, strict=True)
            )
            + self.fixed_values
            for row in rows
        ]
        if not prepared:
            return
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608  # names from the model
                    prepared,
                )


# Keys looked up per query when skipping what exists. Against a table of millions PostgreSQL
# turns one query for thousands of keys into a sequential scan; a few hundred keep it on the index.
LOOKUP_CHUNK = 500


def _existing(model: type[Model], field: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys, LOOKUP_CHUNK):
        rows = model._default_manager.filter(**{f"{field}__in": chunk}).values_list(
            field, flat=True
        )
        found.update(rows)
    return found


class _PlannerStatistics:
    """Keeps PostgreSQL's statistics of the tables a bulk load grows up to date.

    A table that grows from nothing to millions of rows within one load still looks small to the
    planner until autovacuum gets round to it, and then the existence checks run as sequential
    scans: each batch gets slower than the last. Analysing at the start and whenever the table
    has doubled since costs a fraction of a second a time. Other databases need nothing.
    """

    def __init__(self, *models: type[Model]) -> None:
        self.tables = [m._meta.db_table for m in models]
        self.connection = connections[router.db_for_write(models[0])]
        self.enabled = self.connection.vendor == "postgresql"
        self.known_rows = 0
        self.since = 0

    def refresh(self) -> None:
        if not self.enabled:
            return
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"ANALYZE {quote(table)}")
            cursor.execute(
                "SELECT coalesce(max(reltuples), 0) FROM pg_class WHERE relname = %s",
                [self.tables[0]],
            )
            self.known_rows = max(int(cursor.fetchone()[0]), 0)
        self.since = 0

    def grew(self, rows: int) -> None:
        self.since += rows
        if self.enabled and self.since >= max(BATCH_SIZE, self.known_rows):
            self.refresh()


def load_generated_people(
    *,
    actor: Any,
    seed: int,
    count: int,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> BulkReport:
    """Add the first ``count`` generated people for ``seed``; people already present are skipped.

    Each batch is its own transaction, so an interrupted load of millions keeps what it wrote and
    the next run carries on from there (existing national ids are skipped).

    Auditing: each batch that creates people writes one audit event with the seed, the index range
    and the counts, in the same transaction as the rows. One event per person would multiply the
    log by the size of the load, slow it down many times over and record nothing more: the batch
    event plus the seed say exactly which people were made, since the generator is deterministic.
    """
    refuse_in_production()
    report = BulkReport()
    inserter = _BulkInserter(
        Person(id_kind=IdKind.NATIONAL_ID), ["national_id", "name", "birth_date"]
    )
    statistics = _PlannerStatistics(Person)
    statistics.refresh()
    registry = _RegistryImport(POPULATION)
    for chunk in _chunks(generator.generate_people(seed, count), batch_size):
        keys = [p.national_id for p in chunk]
        with transaction.atomic():
            # Every person of the batch, not only the new ones: people loaded before the
            # exchange get their records now. Rows already in the registry are skipped.
            records = registry.add([population_row(seed, p) for p in chunk])
            existing = _existing(Person, "national_id", keys)
            new = [
                (p.national_id, p.name, p.birth_date)
                for p in chunk
                if p.national_id not in existing
            ]
            if new:
                inserter.insert(new)
                _record(
                    actor=actor,
                    action="demo.people_generated",
                    object_type="identity.person",
                    object_id=f"seed:{seed}:{chunk[0].index}-{chunk[-1].index}",
                    data={
                        "seed": seed,
                        "first_index": chunk[0].index,
                        "last_index": chunk[-1].index,
                        "created": len(new),
                        "skipped": len(existing),
                    },
                )
        report.created += len(new)
        report.skipped += len(existing)
        report.batches += 1
        report.records += records
        statistics.grew(len(new))
        registry.grew(records)
        if progress:
            progress(len(chunk))
    return report


def load_generated_firms(
    *,
    actor: Any,
    seed: int,
    count: int,
    people: int = 0,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> BulkReport:
    """Add the first ``count`` generated firms for ``seed``, each with its generated legal
    representative when that person is loaded. Audited per batch like
    :func:`load_generated_people`, for the same reason."""
    refuse_in_production()
    report = BulkReport()
    regions = {
        r.code: r.pk
        for r in Region.objects.filter(code__in=[d.code for d in generator.districts()])
    }
    missing = [d.code for d in generator.districts() if d.code not in regions]
    if missing:
        raise LoadError(
            [
                LoadProblem(
                    "regions.yaml",
                    "regions",
                    f"districts {', '.join(missing)} are not loaded yet; load "
                    "the demo world before generated firms",
                )
            ]
        )
    today: dt.date = timezone.localdate(clock.now())
    firm_inserter = _BulkInserter(Firm(), ["uscc", "name", "name_en", "region"])
    link_inserter = _BulkInserter(
        FirmRepresentative(role=RepresentativeRole.LEGAL_REPRESENTATIVE, valid_from=today),
        ["firm", "person"],
    )
    statistics = _PlannerStatistics(Firm, FirmRepresentative)
    statistics.refresh()
    registry = _RegistryImport(LEGAL_ENTITY)
    for chunk in _chunks(generator.generate_firms(seed, count, people=people), batch_size):
        keys = [f.uscc for f in chunk]
        with transaction.atomic():
            records = registry.add([legal_entity_row(seed, f) for f in chunk])
            existing = _existing(Firm, "uscc", keys)
            fresh = [f for f in chunk if f.uscc not in existing]
            links = 0
            if fresh:
                firm_inserter.insert(
                    (f.uscc, f.name, f.name_en, regions[f.region_code]) for f in fresh
                )
                firm_ids = dict(
                    Firm.objects.filter(uscc__in=[f.uscc for f in fresh]).values_list("uscc", "pk")
                )
                wanted = {
                    f.representative_national_id for f in fresh if f.representative_national_id
                }
                person_ids = dict(
                    Person.objects.filter(national_id__in=wanted).values_list("national_id", "pk")
                )
                representations = [
                    (firm_ids[f.uscc], person_ids[f.representative_national_id])
                    for f in fresh
                    if f.representative_national_id in person_ids
                ]
                link_inserter.insert(representations)
                links = len(representations)
                _record(
                    actor=actor,
                    action="demo.firms_generated",
                    object_type="identity.firm",
                    object_id=f"seed:{seed}:{chunk[0].index}-{chunk[-1].index}",
                    data={
                        "seed": seed,
                        "first_index": chunk[0].index,
                        "last_index": chunk[-1].index,
                        "created": len(fresh),
                        "skipped": len(existing),
                        "representatives": links,
                    },
                )
        report.created += len(fresh)
        report.skipped += len(existing)
        report.batches += 1
        report.records += records
        statistics.grew(len(fresh))
        registry.grew(records)
        if progress:
            progress(len(chunk))
    return report
