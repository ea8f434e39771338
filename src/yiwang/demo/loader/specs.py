"""The demo world as its data files describe it, and the logins it gives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.identity.constants import Role


@dataclass(frozen=True)
class RegionSpec:
    code: str
    level: str
    parent: str | None
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    region: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    email: str
    is_superuser: bool
    memberships: tuple[tuple[str, str], ...]  # (department code, role)


@dataclass(frozen=True)
class PersonSpec:
    name: str
    national_id: str | None
    passport_number: str
    nationality: str
    birth_date: dt.date
    email: str
    phone: str
    username: str | None

    @property
    def key(self) -> str:
        """How firms.yaml refers to this person: national id, or passport number."""
        return self.national_id or self.passport_number


@dataclass(frozen=True)
class FirmSpec:
    uscc: str
    name_zh: str
    name_en: str
    region: str
    representatives: tuple[tuple[str, str], ...]  # (person key, role)


@dataclass(frozen=True)
class World:
    name_zh: str
    name_en: str
    password: str
    regions: tuple[RegionSpec, ...]
    departments: tuple[DepartmentSpec, ...]
    staff: tuple[StaffSpec, ...]
    people: tuple[PersonSpec, ...]
    firms: tuple[FirmSpec, ...]


@dataclass(frozen=True)
class Login:
    """One demo login as printed by ``yiwang demo``."""

    role: str
    username: str
    password: str
    site: str  # path on the demo site: "/" portal, "/backoffice/", "/admin/"


def logins(world: World) -> list[Login]:
    """The demo logins to print: every staff account, then every citizen."""
    out = []
    for s in world.staff:
        roles = ", ".join(f"{role} ({department})" for department, role in s.memberships)
        if s.is_superuser:
            roles = f"{roles}, superuser" if roles else "superuser"
        platform = s.is_superuser or any(role == Role.PLATFORM_ADMIN for _, role in s.memberships)
        site = "/admin/" if platform else "/backoffice/"
        out.append(
            Login(role=roles or "staff", username=s.username, password=world.password, site=site)
        )
    for p in world.people:
        if p.username:
            kind = "citizen" if p.national_id else f"foreign resident ({p.nationality})"
            out.append(Login(role=kind, username=p.username, password=world.password, site="/"))
    return out
