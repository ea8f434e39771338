"""The platform reading on a department's behalf: its own department system, never tokened."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from yiwang.exchange.models import DepartmentSystem
from yiwang.exchange.services.systems import register_system

# The name of the system through which the platform itself reads on a department's behalf
# (prefilling a form the department's service asks). It never gets an API token.
PLATFORM_SYSTEM_NAME = "yiwang-platform"


def platform_requester(*, department: str) -> Any:
    """The requester the platform uses when it reads for ``department`` on a person's behalf.

    A department system named :data:`PLATFORM_SYSTEM_NAME`, created (and audited) the first time
    it is needed. Agreements let it read like any system of that department: only those whose
    ``roles`` are empty or name ``system``. A department admin may deactivate it to stop every
    prefill read for that department.
    """
    from yiwang.audit.actors import SYSTEM
    from yiwang.exchange.types import Requester

    system = (
        DepartmentSystem.objects.select_related("department")
        .filter(department__code=department, name=PLATFORM_SYSTEM_NAME)
        .first()
    )
    if system is None:
        try:
            system = register_system(actor=SYSTEM, department=department, name=PLATFORM_SYSTEM_NAME)
        except ValidationError:
            # Another process created it meanwhile (or the department is gone: then this fails).
            system = DepartmentSystem.objects.select_related("department").get(
                department__code=department, name=PLATFORM_SYSTEM_NAME
            )
    return Requester.for_system(system)
