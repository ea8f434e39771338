"""Loading the demo's data exchange: registries, agreements, the hand-written people's records."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yiwang.core import clock
from yiwang.core.errors import LoadError, LoadProblem, PermissionDenied
from yiwang.demo import loader
from yiwang.demo.loader import RecordSpec, World
from yiwang.demo.services._common import refuse_in_production
from yiwang.identity.constants import Role
from yiwang.identity.models import Account, Membership

EXCHANGE_DEFINITIONS = Path(__file__).resolve().parent.parent / "data" / "exchange" / "definitions"
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
