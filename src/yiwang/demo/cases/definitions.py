"""What the generator reads: the published services and bundles, and the shapes answers give."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.applications import domain as applications
from yiwang.applications.constants import ApplicationKind
from yiwang.catalogue import domain as catalogue
from yiwang.catalogue import selectors as catalogue_selectors
from yiwang.catalogue.constants import Audience
from yiwang.identity.models import Department

_FORM_FIELD = re.compile(r"\bform\.([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class ServiceInfo:
    pk: int
    code: str
    name_zh: str
    name_en: str
    department_id: int
    promised_days: int
    statutory_days: int
    definition: Mapping[str, Any]
    predecessors: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class DefinitionInfo:
    """A published service or bundle the generator applies for."""

    kind: str
    code: str
    version_pk: int
    spec: applications.FormSpec
    services: Mapping[str, ServiceInfo]
    condition_fields: tuple[str, ...]
    last_page: str


@dataclass(frozen=True)
class Shape:
    """What follows from the answers that conditions read: services, steps, required fields."""

    services: tuple[str, ...]
    required: frozenset[str]
    plans: Mapping[str, tuple[tuple[applications.PlannedTask, str], ...]]


def _condition_fields(*definitions: Mapping[str, Any]) -> tuple[str, ...]:
    """Every form field a condition anywhere in the definitions reads, and every field whose
    answer decides what a form's rules require (``if``/``then``, ``dependentRequired``)."""
    text = json.dumps(definitions, ensure_ascii=False, sort_keys=True)
    found = set(_FORM_FIELD.findall(text))
    for definition in definitions:
        found.update(catalogue.rule_fields(definition.get("form")))
    return tuple(sorted(found))


def _service_info(version: Any, departments: Mapping[str, int]) -> ServiceInfo:
    definition = version.definition
    limits = definition.get("time_limits", {})
    promised = int(limits.get("promised_days", 0))
    return ServiceInfo(
        pk=version.pk,
        code=version.code,
        name_zh=version.name_zh,
        name_en=version.name_en,
        department_id=departments[version.department_code],
        promised_days=promised,
        statutory_days=int(limits.get("statutory_days", promised)),
        definition=definition,
        predecessors=catalogue.stage_predecessors(definition),
    )


def published_definitions() -> list[DefinitionInfo]:
    """The published services and bundles a person may apply for, services first, by code."""
    departments = dict(Department.objects.values_list("code", "pk"))
    out: list[DefinitionInfo] = []
    services: dict[str, ServiceInfo] = {}
    for version in catalogue_selectors.published_services():
        if version.department_code not in departments:
            continue
        services[version.code] = _service_info(version, departments)
        if version.audience == Audience.FIRM:
            continue  # generated applicants are people, never firms
        form = version.definition.get("form", {})
        pages = form.get("pages", [])
        out.append(
            DefinitionInfo(
                kind=ApplicationKind.SERVICE,
                code=version.code,
                version_pk=version.pk,
                spec=applications.FormSpec.for_service(version.definition),
                services={version.code: services[version.code]},
                condition_fields=_condition_fields(version.definition),
                last_page=str(pages[-1]["id"]) if pages else "",
            )
        )
    for bundle in catalogue_selectors.published_bundles():
        if bundle.audience == Audience.FIRM:
            continue
        codes = [str(item["code"]) for item in bundle.definition.get("services", [])]
        if not all(code in services for code in codes):
            continue
        merged = catalogue.merge_bundle(
            bundle.definition, {code: services[code].definition for code in codes}
        )
        spec = applications.FormSpec.for_bundle(merged)
        out.append(
            DefinitionInfo(
                kind=ApplicationKind.BUNDLE,
                code=bundle.code,
                version_pk=bundle.pk,
                spec=spec,
                services={code: services[code] for code in codes},
                condition_fields=_condition_fields(
                    bundle.definition, *(services[c].definition for c in codes)
                ),
                last_page=spec.pages[-1].id if spec.pages else "",
            )
        )
    return out


class _Shapes:
    """The services, steps and required fields of each combination of answers conditions read.

    Conditions are CEL expressions and a bundle's required fields depend on them; evaluating them
    for every one of a million applications would cost most of the load. The answers that
    conditions read come from a few values each, so each combination is worked out once.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, tuple[Any, ...]], Shape] = {}

    def of(self, definition: DefinitionInfo, data: Mapping[str, Any]) -> Shape:
        key = (
            definition.code,
            tuple(repr(data.get(f)) for f in definition.condition_fields),
        )
        shape = self._known.get(key)
        if shape is None:
            shape = self._work_out(definition, data)
            self._known[key] = shape
        return shape

    @staticmethod
    def _work_out(definition: DefinitionInfo, data: Mapping[str, Any]) -> Shape:
        spec = definition.spec
        typed = spec.condition_data(data)
        codes = tuple(spec.services_applying(data))
        plans = {}
        for code in codes:
            service = definition.services[code]
            planned = applications.plan_tasks(service.definition, typed)
            statuses = applications.initial_statuses(service.definition, planned)
            plans[code] = tuple((p, statuses[p.position]) for p in planned)
        return Shape(services=codes, required=frozenset(spec.required_fields(data)), plans=plans)
