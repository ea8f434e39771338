"""What the catalogue pages say about a service or a bundle, worked out from its definition.

The service page tells a person everything before they start (一次告知): what they will need and
when, the steps and departments, how long it takes, what it costs, how much is online, the legal
basis and what they get. Views pass these objects to templates; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from yiwang.catalogue import domain as catalogue_domain
from yiwang.catalogue.constants import Audience, OnlineLevel, OutputKind
from yiwang.portal.conditions import explain
from yiwang.portal.forms import describe_file_types
from yiwang.portal.text import number, pick


def department_names(codes: Iterable[str]) -> dict[str, str]:
    """Department names in the active language, by code (public facts, no actor needed)."""
    from yiwang.identity import selectors as identity

    names = identity.department_names(codes).items()
    return {code: pick({"zh": zh, "en": en}) for code, (zh, en) in names}


def working_days(days: int) -> str:
    if days == 0:
        return _("the same working day")
    return ngettext("%(days)d working day", "%(days)d working days", days) % {"days": days}


def audience_label(code: str) -> str:
    try:
        return str(Audience(code).label)
    except ValueError:
        return code


ONLINE_EXPLANATIONS = {
    OnlineLevel.FULLY_ONLINE: gettext_noop(
        "You can do everything online and never need to go to an office."
    ),
    OnlineLevel.AT_MOST_ONE_VISIT: gettext_noop(
        "You apply online. You may need to go to an office once, for example to collect the result."
    ),
    OnlineLevel.VISIT_REQUIRED: gettext_noop(
        "You can start online, but you will need to go to an office."
    ),
}


def online_level(code: str) -> tuple[str, str]:
    """The online level's name and what it means for the person."""
    try:
        level = OnlineLevel(code)
    except ValueError:
        return code, ""
    return str(level.label), _(ONLINE_EXPLANATIONS[level])


def fee_text(fee: Mapping[str, Any]) -> str:
    amount = Decimal(str(fee.get("amount", 0)))
    if amount == 0:
        return _("Free of charge")
    shown = f"{amount:.2f}" if amount != amount.to_integral_value() else f"{amount:.0f}"
    return _("%(currency)s %(amount)s") % {"currency": fee.get("currency", ""), "amount": shown}


def output_kind(code: str) -> str:
    try:
        return str(OutputKind(code).label)
    except ValueError:
        return code


def _join_and(parts: Sequence[str]) -> str:
    parts = [p for p in parts if p]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return _("%(rest)s and %(last)s") % {"rest": _(", ").join(parts[:-1]), "last": parts[-1]}


# --- Materials --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialCase:
    """One service that asks for a material, and when."""

    service: str  # the service's name
    when: str  # empty: whenever this service applies
    optional: bool


@dataclass(frozen=True)
class MaterialInfo:
    code: str
    name: str
    description: str
    file_types: str
    max_size_mb: str
    always: bool  # needed in every application, whatever the answers
    optional: bool  # never more than optional
    cases: tuple[MaterialCase, ...] = field(default=())
    prefilled: bool = False


def _material_info(
    code: str,
    name: Any,
    description: Any,
    file_types: Iterable[Mapping[str, str]],
    max_size_mb: float,
    cases: list[MaterialCase],
    prefilled: bool,
) -> MaterialInfo:
    always = any(not c.when and not c.optional for c in cases)
    return MaterialInfo(
        code=code,
        name=pick(name),
        description=pick(description),
        file_types=describe_file_types(file_types),
        max_size_mb=number(float(max_size_mb)),
        always=always,
        optional=all(c.optional for c in cases),
        cases=tuple(cases),
        prefilled=prefilled,
    )


def service_materials(definition: Mapping[str, Any]) -> list[MaterialInfo]:
    properties = catalogue_domain.form_fields(definition.get("form"))
    name = pick(definition.get("name"))
    out = []
    for material in definition.get("materials", []):
        case = MaterialCase(
            name,
            explain(material.get("condition"), properties),
            bool(material.get("optional")),
        )
        out.append(
            _material_info(
                str(material["code"]),
                material["name"],
                material["description"],
                material["file_types"],
                material["max_size_mb"],
                [case],
                "prefill" in material,
            )
        )
    return out


def bundle_materials(merged: catalogue_domain.BundleForm) -> list[MaterialInfo]:
    """Each material of a bundle once, with every service that asks for it and when."""
    schema = merged.schema()["properties"]
    services = {s.code: s for s in merged.services}
    out = []
    for material in merged.materials:
        cases = []
        for use in material.uses:
            service = services[use.service]
            own = catalogue_domain.form_fields(service.definition.get("form"))
            when = _join_and(
                [explain(service.condition, schema), explain(use.material.get("condition"), own)]
            )
            cases.append(
                MaterialCase(
                    pick(service.definition.get("name")), when, bool(use.material.get("optional"))
                )
            )
        out.append(
            _material_info(
                material.code,
                material.name,
                material.description,
                material.file_types,
                material.max_size_mb,
                cases,
                any("prefill" in use.material for use in material.uses),
            )
        )
    return out


# --- Steps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInfo:
    name: str
    department: str
    days: str
    when: str


@dataclass(frozen=True)
class StageInfo:
    name: str
    steps: tuple[StepInfo, ...]
    parallel: bool


def stages_of(definition: Mapping[str, Any], departments: Mapping[str, str]) -> list[StageInfo]:
    properties = catalogue_domain.form_fields(definition.get("form"))
    out = []
    for stage in catalogue_domain.stages(definition):
        steps = tuple(
            StepInfo(
                pick(step.get("name")),
                departments.get(str(step.get("department")), str(step.get("department"))),
                working_days(int(step.get("promised_days", 0))),
                explain(step.get("condition"), properties),
            )
            for step in stage.get("steps", [])
        )
        name = pick(stage.get("name")) or (steps[0].name if len(steps) == 1 else "")
        out.append(StageInfo(name, steps, len(steps) > 1))
    return out


def step_departments(definition: Mapping[str, Any]) -> list[str]:
    codes: list[str] = [str(definition.get("department"))]
    for stage in catalogue_domain.stages(definition):
        for step in stage.get("steps", []):
            code = str(step.get("department"))
            if code not in codes:
                codes.append(code)
    return codes


# --- Whole pages ------------------------------------------------------------------------------


def prefill_count(fields: Mapping[str, Any], materials: Iterable[MaterialInfo]) -> int:
    """Fields and materials the definition says registries can provide (``x-prefill``)."""
    return sum(1 for f in fields.values() if isinstance(f, Mapping) and "x-prefill" in f) + sum(
        1 for m in materials if m.prefilled
    )


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    name: str
    description: str
    department: str
    audience: str
    audience_code: str
    legal_basis: list[tuple[str, str]]
    materials: list[MaterialInfo]
    stages: list[StageInfo]
    departments: list[str]
    promised: str
    statutory: str
    fee: str
    fee_note: str
    online_level: str
    online_explanation: str
    outputs: list[tuple[str, str]]
    prefilled: int
    question_count: int


def service_info(definition: Mapping[str, Any]) -> ServiceInfo:
    codes = step_departments(definition)
    names = department_names(codes)
    materials = service_materials(definition)
    fields = catalogue_domain.form_fields(definition.get("form"))
    limits = definition.get("time_limits", {})
    level, explanation = online_level(str(definition.get("online_level")))
    fee = definition.get("fee", {})
    return ServiceInfo(
        code=str(definition["code"]),
        name=pick(definition.get("name")),
        description=pick(definition.get("description")),
        department=names.get(str(definition.get("department")), str(definition.get("department"))),
        audience=audience_label(str(definition.get("audience"))),
        audience_code=str(definition.get("audience")),
        legal_basis=[
            (pick(item.get("citation")), str(item.get("url", "")))
            for item in definition.get("legal_basis", [])
        ],
        materials=materials,
        stages=stages_of(definition, names),
        departments=[names.get(code, code) for code in codes],
        promised=working_days(int(limits.get("promised_days", 0))),
        statutory=working_days(int(limits.get("statutory_days", 0))),
        fee=fee_text(fee),
        fee_note=pick(fee.get("note")),
        online_level=level,
        online_explanation=explanation,
        outputs=[
            (pick(out.get("name")), output_kind(str(out.get("kind"))))
            for out in definition.get("outputs", [])
        ],
        prefilled=prefill_count(fields, materials),
        question_count=len(fields),
    )


@dataclass(frozen=True)
class BundleServiceInfo:
    code: str
    name: str
    department: str
    when: str
    promised: str
    statutory: str
    fee: str
    outputs: list[str]


@dataclass(frozen=True)
class BundleInfo:
    code: str
    name: str
    description: str
    life_event: str
    audience: str
    audience_code: str
    services: list[BundleServiceInfo]
    materials: list[MaterialInfo]
    prefilled: int
    question_count: int


def bundle_info(definition: Mapping[str, Any], merged: catalogue_domain.BundleForm) -> BundleInfo:
    schema = merged.schema()["properties"]
    codes = [str(s.definition.get("department")) for s in merged.services]
    names = department_names(codes)
    services = []
    for service in merged.services:
        d = service.definition
        limits = d.get("time_limits", {})
        services.append(
            BundleServiceInfo(
                code=service.code,
                name=pick(d.get("name")),
                department=names.get(str(d.get("department")), str(d.get("department"))),
                when=explain(service.condition, schema),
                promised=working_days(int(limits.get("promised_days", 0))),
                statutory=working_days(int(limits.get("statutory_days", 0))),
                fee=fee_text(d.get("fee", {})),
                outputs=[pick(o.get("name")) for o in d.get("outputs", [])],
            )
        )
    materials = bundle_materials(merged)
    return BundleInfo(
        code=str(definition["code"]),
        name=pick(definition.get("name")),
        description=pick(definition.get("description")),
        life_event=pick(definition.get("life_event", {}).get("title")),
        audience=audience_label(str(definition.get("audience"))),
        audience_code=str(definition.get("audience")),
        services=services,
        materials=materials,
        prefilled=prefill_count(schema, materials),
        question_count=len(schema),
    )
