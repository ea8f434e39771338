"""Factories for identity records, used by every app's tests.

Accounts get an unusable password unless one is passed (``AccountFactory(password="...")``):
hashing with Argon2 is deliberately slow, and most tests log in with ``client.force_login``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from yiwang.identity import domain
from yiwang.identity.constants import AccountKind, IdKind, RegionLevel, RepresentativeRole, Role
from yiwang.identity.models import (
    Account,
    Department,
    Firm,
    FirmRepresentative,
    Membership,
    Person,
    Region,
)

# Real-looking district codes, so generated ids pass every check a form would make.
REGION_CODES = ("110101", "110102", "310101", "440305", "510104", "330106")


def national_id_for(n: int) -> str:
    """A valid, unique id number for sequence ``n`` (unique for n up to many millions)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=(n // 1000) % 20000)
    region = REGION_CODES[(n // (1000 * 20000)) % len(REGION_CODES)]
    return domain.make_national_id(region, birth, n % 1000)


def uscc_for(n: int) -> str:
    return domain.make_uscc("110000", f"{n:09d}")


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:05d}")
    name_zh = factory.Sequence(lambda n: f"区域{n}")
    name_en = factory.Sequence(lambda n: f"Region {n}")
    level = RegionLevel.DISTRICT
    parent = None


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n:04d}")
    name_zh = factory.Sequence(lambda n: f"部门{n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")
    region = factory.SubFactory(RegionFactory)
    is_active = True


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    kind = AccountKind.CITIZEN
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_active = True

    @factory.post_generation
    def password(obj: Account, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if extracted:
            obj.set_password(extracted)
        else:
            obj.set_unusable_password()
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    account = factory.SubFactory(AccountFactory, kind=AccountKind.STAFF)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.REVIEWER
    is_active = True


class StaffFactory(AccountFactory):
    """A staff account with one active membership (``membership__role=...``, ``__department``)."""

    username = factory.Sequence(lambda n: f"staff{n:05d}")
    kind = AccountKind.STAFF
    membership = factory.RelatedFactory(MembershipFactory, factory_related_name="account")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    id_kind = IdKind.NATIONAL_ID
    national_id = factory.Sequence(national_id_for)
    name = factory.Faker("name", locale="zh_CN")
    birth_date = factory.LazyAttribute(
        lambda o: domain.birth_date_from_national_id(o.national_id) if o.national_id else None
    )
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    account = None


class CitizenFactory(AccountFactory):
    """A citizen account linked to a person with a valid id number (``citizen.person``)."""

    username = factory.Sequence(lambda n: f"citizen{n:05d}")
    kind = AccountKind.CITIZEN
    person = factory.RelatedFactory(
        PersonFactory,
        factory_related_name="account",
        name=factory.SelfAttribute("..display_name"),
        email=factory.SelfAttribute("..email"),
    )


class FirmFactory(DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ("uscc",)

    uscc = factory.Sequence(uscc_for)
    name = factory.Sequence(lambda n: f"演示公司{n}有限公司")
    name_en = factory.Sequence(lambda n: f"Demo Company {n} Ltd.")
    region = None


class FirmRepresentativeFactory(DjangoModelFactory):
    class Meta:
        model = FirmRepresentative

    firm = factory.SubFactory(FirmFactory)
    person = factory.SubFactory(PersonFactory)
    role = RepresentativeRole.LEGAL_REPRESENTATIVE
    valid_from = factory.LazyFunction(lambda: dt.date(2000, 1, 1))
    valid_until = None
