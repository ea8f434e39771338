"""What registries, purposes and data elements are defined: not personal, so no actor."""

from __future__ import annotations

from typing import Any

from yiwang.exchange import policy
from yiwang.exchange.types import ElementSpec


def registry_info(code: str) -> policy.RegistryInfo | None:
    """Metadata of a registry: department, subject kind, fields and their elements."""
    return policy.snapshot().registries.get(code)


def registries() -> list[policy.RegistryInfo]:
    return sorted(policy.snapshot().registries.values(), key=lambda r: r.code)


def purposes() -> list[policy.PurposeInfo]:
    return sorted(policy.snapshot().purposes.values(), key=lambda p: p.code)


def element_codes() -> list[str]:
    """Every data element's code (definitions, not personal data)."""
    from yiwang.exchange.models import DataElement

    return sorted(DataElement.objects.values_list("code", flat=True))


def element_spec(registry: str, field: str) -> ElementSpec | None:
    info = registry_info(registry)
    if info is None or field not in info.fields:
        return None
    return info.fields[field].element


def is_department_system(principal: Any) -> bool:
    """Whether an authenticated principal (see ``services.authenticate_system``) is a
    department system rather than an account: the API layer's question, answered here so
    that nobody outside the exchange needs its models."""
    from yiwang.exchange.models import DepartmentSystem

    return isinstance(principal, DepartmentSystem)


def policy_text() -> str:
    """The Cedar policies in force, for auditors and ``yiwang exchange policies``."""
    return policy.snapshot().text
