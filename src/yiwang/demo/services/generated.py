"""Loading generated people and firms in batches, with their registry records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yiwang.core import clock
from yiwang.core.errors import LoadError, LoadProblem
from yiwang.demo import generator
from yiwang.demo.services._common import _record, refuse_in_production
from yiwang.demo.services.bulk import (
    BATCH_SIZE,
    _BulkInserter,
    _chunks,
    _existing,
    _PlannerStatistics,
)
from yiwang.demo.services.exchange import LEGAL_ENTITY, POPULATION, RECORDS_REASON, registry_officer
from yiwang.identity.constants import IdKind, RepresentativeRole
from yiwang.identity.models import Account, Firm, FirmRepresentative, Person, Region

Progress = Callable[[int], None]


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
