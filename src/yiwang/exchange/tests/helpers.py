"""Shortcuts for exchange tests: agreements through the real services, reads, log lookups."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils import timezone

from yiwang.core import clock
from yiwang.exchange import policy, services
from yiwang.exchange.constants import SharingClass
from yiwang.exchange.models import AccessLogEntry, Registry, SharingAgreement
from yiwang.exchange.types import AgreementTerms, ExchangeResult, LegalBasis, Requester


def today() -> dt.date:
    return timezone.localdate(clock.now())


def terms(**overrides: Any) -> AgreementTerms:
    base = AgreementTerms(
        code="tax_people",
        name_zh="税务读取人口信息",
        name_en="Tax office reads people data",
        consumer="tax_office",
        registry="people",
        fields=("person_name", "birth_date", "sex"),
        purposes=("benefit_assessment",),
        legal_basis=LegalBasis(
            "《示例税法》第三条", "Example Tax Act, article 3", "https://law.example.org/tax/3"
        ),
        sharing_class=SharingClass.UNCONDITIONAL,
        valid_from=today() - dt.timedelta(days=30),
        valid_until=today() + dt.timedelta(days=365),
    )
    return dataclasses.replace(base, **overrides)


def agreement(
    world: Any,
    *,
    approve: bool = True,
    requester: Any = None,
    approver: Any = None,
    **overrides: Any,
) -> SharingAgreement:
    """Request an agreement as the consumer's data officer and approve it as the provider's."""
    asked = services.request_agreement(
        actor=requester or world_officer(world, overrides), terms=terms(**overrides)
    )
    if approve:
        return services.approve_agreement(
            actor=approver or world.registrar_officer, agreement=asked.code
        )
    return asked


def world_officer(world: Any, overrides: dict[str, Any]) -> Any:
    consumer = overrides.get("consumer", "tax_office")
    return {"tax_office": world.tax_officer, "welfare": world.welfare_officer}[consumer]


def tax_reader(world: Any, role: str = "reviewer") -> Requester:
    return Requester.official(world.tax_reviewer, department="tax_office", role=role)


def read(world: Any, requester: Requester | None = None, **kwargs: Any) -> ExchangeResult:
    asked: dict[str, Any] = {
        "subject": world.national_id,
        "fields": ["person_name", "birth_date"],
        "purpose": "benefit_assessment",
        "registry": "people",
    }
    asked.update(kwargs)
    return services.read(requester=requester or tax_reader(world), **asked)


def log_entry(result: ExchangeResult) -> AccessLogEntry | None:
    if result.access_log_id is None:
        return None
    return AccessLogEntry.objects.get(pk=result.access_log_id)


def switch_registry(code: str, *, active: bool) -> None:
    """Switch a registry off (or on again), as an operator would: every reader sees it at once."""
    Registry.objects.filter(code=code).update(is_active=active)
    policy.bump()
