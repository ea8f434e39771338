"""Reading the world's files into a :class:`World`, every reference and identifier cross-checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from yiwang.core.errors import LoadError
from yiwang.demo.loader.files import DATA_DIR, Problems, read_file
from yiwang.demo.loader.specs import (
    DepartmentSpec,
    FirmSpec,
    PersonSpec,
    RegionSpec,
    StaffSpec,
    World,
)
from yiwang.identity import domain
from yiwang.identity.constants import RegionLevel, RepresentativeRole, Role

FILES = ("world", "regions", "departments", "staff", "people", "firms")

# Kept for hand-written records so the generator can never produce the same identifier.
_RESERVED_SEQUENCE_LIMIT = 100


def _duplicates(
    file: str, key: str, items: list[dict[str, Any]], problems: Problems, collection: str
) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = str(item[key]).lower() if key == "username" else item[key]
        if value in seen:
            problems.add(
                file,
                f"{collection}[{i}].{key}",
                f"{item[key]!r} is already used by {collection}[{seen[value]}]",
            )
        else:
            seen[value] = i


def _regions(doc: dict[str, Any], problems: Problems) -> tuple[RegionSpec, ...]:
    file, items = "regions.yaml", doc["regions"]
    _duplicates(file, "code", items, problems, "regions")
    known: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item["level"] not in RegionLevel.values:
            problems.add(
                file,
                f"regions[{i}].level",
                f"{item['level']!r} is not one of {', '.join(RegionLevel.values)}",
            )
        parent = item.get("parent")
        if parent is not None and parent not in known:
            problems.add(
                file, f"regions[{i}].parent", f"{parent!r} is not a region listed before this one"
            )
        known.add(item["code"])
        out.append(
            RegionSpec(
                code=item["code"],
                level=item["level"],
                parent=parent,
                name_zh=item["name"]["zh"],
                name_en=item["name"]["en"],
            )
        )
    return tuple(out)


def _departments(
    doc: dict[str, Any], regions: set[str], problems: Problems
) -> tuple[DepartmentSpec, ...]:
    file, items = "departments.yaml", doc["departments"]
    _duplicates(file, "code", items, problems, "departments")
    out = []
    for i, item in enumerate(items):
        if item["region"] not in regions:
            problems.add(
                file,
                f"departments[{i}].region",
                f"{item['region']!r} is not a region in regions.yaml",
            )
        out.append(
            DepartmentSpec(
                code=item["code"],
                region=item["region"],
                name_zh=item["name"]["zh"],
                name_en=item["name"]["en"],
            )
        )
    return tuple(out)


def _staff(doc: dict[str, Any], departments: set[str], problems: Problems) -> tuple[StaffSpec, ...]:
    file, items = "staff.yaml", doc["staff"]
    _duplicates(file, "username", items, problems, "staff")
    out = []
    for i, item in enumerate(items):
        memberships = []
        for j, membership in enumerate(item.get("memberships", [])):
            where = f"staff[{i}].memberships[{j}]"
            if membership["department"] not in departments:
                problems.add(
                    file,
                    f"{where}.department",
                    f"{membership['department']!r} is not a department in departments.yaml",
                )
            if membership["role"] not in Role.values:
                problems.add(
                    file,
                    f"{where}.role",
                    f"{membership['role']!r} is not one of {', '.join(Role.values)}",
                )
            memberships.append((membership["department"], membership["role"]))
        out.append(
            StaffSpec(
                username=item["username"],
                display_name=item["display_name"],
                email=item.get("email", ""),
                is_superuser=bool(item.get("superuser", False)),
                memberships=tuple(memberships),
            )
        )
    return tuple(out)


def _person(i: int, item: dict[str, Any], problems: Problems) -> PersonSpec | None:
    file, where = "people.yaml", f"people[{i}]"
    national_id = item.get("national_id")
    passport = item.get("passport")
    if (national_id is None) == (passport is None):
        problems.add(
            file,
            where,
            "give either national_id (a citizen) or passport (a foreign "
            "person), not both and not neither",
        )
        return None
    if national_id is not None:
        try:
            domain.check_national_id(national_id)
        except domain.IdentifierError as exc:
            problems.add(file, f"{where}.national_id", f"{national_id!r} is not valid: {exc}")
            return None
        if int(national_id[14:17]) >= _RESERVED_SEQUENCE_LIMIT:
            problems.add(
                file,
                f"{where}.national_id",
                f"{national_id!r}: digits 15-17 must be below "
                f"{_RESERVED_SEQUENCE_LIMIT:03d}; higher ones are used by generated "
                "people",
            )
            return None
        birth = domain.birth_date_from_national_id(national_id)
        if "birth_date" in item and item["birth_date"] != birth.isoformat():
            problems.add(
                file,
                f"{where}.birth_date",
                f"{item['birth_date']} differs from the date in the national id "
                f"({birth.isoformat()}); leave it out",
            )
            return None
    else:
        if "birth_date" not in item:
            problems.add(file, f"{where}.birth_date", "a foreign person needs a birth_date")
            return None
        birth = dt.date.fromisoformat(item["birth_date"])
    account = item.get("account")
    return PersonSpec(
        name=item["name"],
        national_id=national_id,
        passport_number=passport["number"] if passport else "",
        nationality=passport["nationality"] if passport else "",
        birth_date=birth,
        email=item.get("email", ""),
        phone=item.get("phone", ""),
        username=account["username"] if account else None,
    )


def _people(doc: dict[str, Any], problems: Problems) -> tuple[PersonSpec, ...]:
    out = []
    seen: dict[str, int] = {}
    for i, item in enumerate(doc["people"]):
        person = _person(i, item, problems)
        if person is None:
            continue
        if person.key in seen:
            problems.add(
                "people.yaml",
                f"people[{i}]",
                f"{person.key!r} is already used by people[{seen[person.key]}]",
            )
            continue
        seen[person.key] = i
        out.append(person)
    return tuple(out)


def _firms(
    doc: dict[str, Any], regions: set[str], people: set[str], problems: Problems
) -> tuple[FirmSpec, ...]:
    file, items = "firms.yaml", doc["firms"]
    _duplicates(file, "uscc", items, problems, "firms")
    out = []
    for i, item in enumerate(items):
        where = f"firms[{i}]"
        try:
            domain.check_uscc(item["uscc"])
        except domain.IdentifierError as exc:
            problems.add(file, f"{where}.uscc", f"{item['uscc']!r} is not valid: {exc}")
        else:
            if item["uscc"][8] != "0":
                problems.add(
                    file,
                    f"{where}.uscc",
                    f"{item['uscc']!r}: character 9 must be 0; organisation codes "
                    "starting with 1-9 are used by generated firms",
                )
        if item["region"] not in regions:
            problems.add(
                file, f"{where}.region", f"{item['region']!r} is not a region in regions.yaml"
            )
        representatives = []
        for j, rep in enumerate(item.get("representatives", [])):
            if rep["person"] not in people:
                problems.add(
                    file,
                    f"{where}.representatives[{j}].person",
                    f"{rep['person']!r} is not the national id or passport number of "
                    "a person in people.yaml",
                )
            if rep["role"] not in RepresentativeRole.values:
                problems.add(
                    file,
                    f"{where}.representatives[{j}].role",
                    f"{rep['role']!r} is not one of {', '.join(RepresentativeRole.values)}",
                )
            representatives.append((rep["person"], rep["role"]))
        out.append(
            FirmSpec(
                uscc=item["uscc"],
                name_zh=item["name"]["zh"],
                name_en=item["name"]["en"],
                region=item["region"],
                representatives=tuple(representatives),
            )
        )
    return tuple(out)


def _accounts(
    staff: tuple[StaffSpec, ...], people: tuple[PersonSpec, ...], password: str, problems: Problems
) -> None:
    """User names are unique across staff and citizens, and the demo password must be accepted
    by the same validators a real user's password is."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from yiwang.identity.models import Account

    staff_names = {s.username.lower() for s in staff}
    for i, person in enumerate(people):
        if person.username and person.username.lower() in staff_names:
            problems.add(
                "people.yaml",
                f"people[{i}].account.username",
                f"{person.username!r} is already a staff user name in staff.yaml",
            )
    candidates = [
        Account(username=s.username, display_name=s.display_name, email=s.email) for s in staff
    ]
    candidates += [
        Account(username=p.username, display_name=p.name, email=p.email)
        for p in people
        if p.username
    ]
    for account in candidates:
        try:
            validate_password(password, user=account)
        except ValidationError as exc:
            problems.add(
                "world.yaml",
                "password",
                f"rejected for {account.username!r}: {' '.join(exc.messages)}",
            )
            return


def read_world(data_dir: Path = DATA_DIR) -> World:
    """Read, validate and cross-check every data file; raise :class:`LoadError` listing all
    problems found."""
    problems = Problems()
    docs = {name: read_file(data_dir, name, problems) for name in FILES}
    if problems.items:
        raise LoadError(problems.items)
    world_doc, regions_doc = docs["world"], docs["regions"]
    departments_doc, staff_doc = docs["departments"], docs["staff"]
    people_doc, firms_doc = docs["people"], docs["firms"]
    assert world_doc and regions_doc and departments_doc and staff_doc and people_doc and firms_doc

    regions = _regions(regions_doc, problems)
    region_codes = {r.code for r in regions}
    departments = _departments(departments_doc, region_codes, problems)
    staff = _staff(staff_doc, {d.code for d in departments}, problems)
    people = _people(people_doc, problems)
    seen_usernames: dict[str, int] = {}
    for i, item in enumerate(people_doc["people"]):
        username = item.get("account", {}).get("username")
        if username is None:
            continue
        if username.lower() in seen_usernames:
            problems.add(
                "people.yaml",
                f"people[{i}].account.username",
                f"{username!r} is already used by people[{seen_usernames[username.lower()]}]",
            )
        seen_usernames.setdefault(username.lower(), i)
    firms = _firms(firms_doc, region_codes, {p.key for p in people}, problems)
    if not problems.items:
        _accounts(staff, people, world_doc["password"], problems)
    if problems.items:
        raise LoadError(problems.items)
    return World(
        name_zh=world_doc["name"]["zh"],
        name_en=world_doc["name"]["en"],
        password=world_doc["password"],
        regions=regions,
        departments=departments,
        staff=staff,
        people=people,
        firms=firms,
    )
