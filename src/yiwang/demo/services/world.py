"""Loading the hand-written demo world: regions, departments, staff, people and firms."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction

from yiwang.core.errors import LoadError, LoadProblem, PermissionDenied
from yiwang.demo.loader import World
from yiwang.demo.services._common import refuse_in_production
from yiwang.identity import services as identity
from yiwang.identity.constants import AccountKind, IdKind
from yiwang.identity.models import (
    Account,
    Department,
    Firm,
    FirmRepresentative,
    Membership,
    Person,
    Region,
)


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
