"""Every check a service or bundle file must pass before anything is stored.

The checks collect *all* problems of a run, each as file, path inside the file and reason. They
read nothing from the database themselves: the caller passes a :class:`Facts` with the departments
and the definitions already stored, so the checks are the same for ``load`` and ``validate``.
"""

from __future__ import annotations

from yiwang.catalogue.validation._common import SCHEMA_DIR
from yiwang.catalogue.validation.bundle import BUNDLE_SCHEMA, ServiceSource, check_bundle
from yiwang.catalogue.validation.conditions import check_condition
from yiwang.catalogue.validation.facts import ExchangeFacts, Facts, Parsed, StoredDefinition
from yiwang.catalogue.validation.forms import CEL_RESERVED
from yiwang.catalogue.validation.run import check_run, classify
from yiwang.catalogue.validation.service import SERVICE_SCHEMA, check_service

__all__ = [
    "BUNDLE_SCHEMA",
    "CEL_RESERVED",
    "SCHEMA_DIR",
    "SERVICE_SCHEMA",
    "ExchangeFacts",
    "Facts",
    "Parsed",
    "ServiceSource",
    "StoredDefinition",
    "check_bundle",
    "check_condition",
    "check_run",
    "check_service",
    "classify",
]
