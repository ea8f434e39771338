"""Regions, departments, firms and the people who may act for a firm. Platform admins only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.identity import domain
from yiwang.identity.constants import RegionLevel, RepresentativeRole
from yiwang.identity.models import Department, Firm, FirmRepresentative, Person, Region
from yiwang.identity.services._common import record, require_platform


def create_region(
    *, actor: Any, code: str, name_zh: str, name_en: str, level: str, parent: Region | None = None
) -> Region:
    require_platform(actor)
    if level not in RegionLevel.values:
        raise ValidationError({"level": _("Unknown region level.")})
    region = Region(code=code, name_zh=name_zh, name_en=name_en, level=level, parent=parent)
    region.full_clean()
    with transaction.atomic():
        region.save()
        record(
            actor=actor,
            action="identity.region_created",
            obj=region,
            data={"code": code, "level": level},
        )
    return region


def create_department(
    *, actor: Any, code: str, name_zh: str, name_en: str, region: Region
) -> Department:
    require_platform(actor)
    department = Department(code=code, name_zh=name_zh, name_en=name_en, region=region)
    department.full_clean()
    with transaction.atomic():
        department.save()
        record(
            actor=actor,
            action="identity.department_created",
            obj=department,
            data={"code": code, "region": region.code},
        )
    return department


def create_firm(
    *, actor: Any, uscc: str, name: str, name_en: str = "", region: Region | None = None
) -> Firm:
    require_platform(actor)
    try:
        uscc = domain.normalise_uscc(uscc)
    except domain.IdentifierError as exc:
        raise ValidationError({"uscc": ValidationError(exc.message, code=exc.code)}) from exc
    firm = Firm(uscc=uscc, name=name, name_en=name_en, region=region)
    firm.full_clean()
    with transaction.atomic():
        firm.save()
        record(
            actor=actor,
            action="identity.firm_created",
            obj=firm,
            subjects=[firm],
            data={"uscc": uscc},
        )
    return firm


def add_firm_representative(
    *,
    actor: Any,
    firm: Firm,
    person: Person,
    role: str = RepresentativeRole.LEGAL_REPRESENTATIVE,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> FirmRepresentative:
    """Record that a person may act for a firm from ``valid_from`` (today) to ``valid_until``."""
    require_platform(actor)
    if role not in RepresentativeRole.values:
        raise ValidationError({"role": _("Unknown representative role.")})
    valid_from = valid_from or timezone.localdate(clock.now())
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date must not be before the start date.")})
    with transaction.atomic():
        representation, created = FirmRepresentative.objects.select_for_update().get_or_create(
            firm=firm,
            person=person,
            role=role,
            defaults={"valid_from": valid_from, "valid_until": valid_until},
        )
        if not created:
            representation.valid_from = valid_from
            representation.valid_until = valid_until
            representation.save(update_fields=["valid_from", "valid_until", "updated_at"])
        record(
            actor=actor,
            action="identity.firm_representative_added",
            obj=representation,
            subjects=[person, firm],
            data={
                "role": role,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )
    return representation
