"""The public catalogue over HTTP: services and life-event bundles people can apply for now.

Only published versions are shown, to anybody, without logging in. Texts come in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yiwang.api.errors import error_responses
from yiwang.api.schemas import LocalText, local_text
from yiwang.catalogue import domain, selectors
from yiwang.catalogue.models import BundleVersion, ServiceVersion

router = Router(tags=["catalogue"])

Audience = Literal["person", "firm", "both"]


# --- Schemas ------------------------------------------------------------------------------------


class TimeLimits(Schema):
    statutory_days: int = Field(description="法定时限: the legal limit, in working days")
    promised_days: int = Field(description="承诺时限: the limit the department promises")


class ServiceSummary(Schema):
    code: str
    version: int
    name: LocalText
    description: LocalText
    department: str = Field(description="Code of the department that offers the service")
    audience: Audience
    online_level: str
    time_limits: TimeLimits


class Citation(Schema):
    citation: LocalText
    url: str | None = None


class FileType(Schema):
    extension: str
    mime_type: str


class Material(Schema):
    code: str
    name: LocalText
    description: LocalText
    file_types: list[FileType]
    max_size_mb: float
    optional: bool
    condition: str | None = Field(
        default=None, description="CEL expression over the form: asked only when it holds"
    )


class Page(Schema):
    id: str
    title: LocalText
    fields: list[str]


class Form(Schema):
    properties: dict[str, Any] = Field(
        description="JSON Schema (Draft 2020-12) of each field; x-title holds its titles. "
        "References to the form's own definitions ($ref) are written out in place"
    )
    required: list[str]
    dependent_required: dict[str, list[str]] = Field(
        description="Fields needed once another is answered: when the key's field has an answer, "
        "the fields listed must have one too (JSON Schema dependentRequired)"
    )
    rules: list[dict[str, Any]] = Field(
        description="Fields needed only for some answers, as JSON Schema if/then/else: when the "
        "answers match `if`, the fields in `then.required` are needed, otherwise those in "
        "`else.required`"
    )
    pages: list[Page]


class ServiceRules(Schema):
    service: str = Field(description="Code of the bundle's service whose form requires these")
    condition: str | None = Field(
        description="The service's condition in the bundle, a CEL expression over the form: the "
        "service, and so its required fields and rules, apply only when it holds (the fields "
        "are then needed for some answers only). Null when the service always applies"
    )
    required: list[str] = Field(
        description="The fields the service's form always requires, named as in the bundle's "
        "form: needed whenever the service applies. Those of the services that always apply "
        "are also in the form's `required`"
    )
    dependent_required: dict[str, list[str]] = Field(
        description="The service's dependentRequired, as in a service's form: when the key's "
        "field has an answer, the fields listed must have one too"
    )
    rules: list[dict[str, Any]] = Field(
        description="The service's if/then/else rules, as in a service's form: when the answers "
        "match `if`, the fields in `then.required` are needed, otherwise those in `else.required`"
    )


class BundleForm(Form):
    """A bundle's one form: each service's rules are given apart, in `service_rules`."""

    dependent_required: dict[str, list[str]] = Field(
        description="Always empty for a bundle: its services' rules are in service_rules"
    )
    rules: list[dict[str, Any]] = Field(
        description="Always empty for a bundle: its services' rules are in service_rules"
    )
    service_rules: list[ServiceRules] = Field(
        description="What each service requires, service by service, in the bundle's order: "
        "the fields its form always requires, and its dependentRequired and if/then/else rules, "
        "for each service whose form requires anything, naming the fields as this form does (a "
        "field several services ask for is one field, under its one name). Apply a service's "
        "entry when its condition holds or it has none: the fields an application needs are "
        "those of every entry that applies. Empty when no service requires anything"
    )


class BundleMaterial(Material):
    optional: bool = Field(description="True when every service that asks for it calls it optional")
    condition: str | None = Field(
        default=None,
        description="When the material is needed: a CEL expression over the bundle's form, null "
        "when always. A service needs it when the service applies and the material's own "
        "condition holds, `(service condition) && (material condition)`, or the one of them "
        "there is; a material several services ask for is needed when any of them needs it, "
        "their terms joined with `||`, each in parentheses. Reading a field left empty makes a "
        "condition false unless the other side of `||` or `&&` decides",
    )


class Step(Schema):
    code: str
    name: LocalText
    department: str
    promised_days: int


class Stage(Schema):
    id: str
    after: list[str]
    steps: list[Step]


class Fee(Schema):
    amount: float
    currency: str
    note: LocalText | None = None


class Output(Schema):
    code: str
    name: LocalText
    kind: str


class ServiceDetail(ServiceSummary):
    legal_basis: list[Citation]
    form: Form
    materials: list[Material]
    stages: list[Stage]
    fee: Fee
    outputs: list[Output]


class ServiceList(Schema):
    items: list[ServiceSummary]
    count: int = Field(description="How many services match, on every page")
    next_offset: int | None = Field(description="The offset of the next page, or null")


class LifeEvent(Schema):
    code: str
    title: LocalText


class BundleServiceRef(Schema):
    code: str
    name: LocalText
    department: str
    condition: str | None = Field(
        default=None, description="CEL expression over the form: included only when it holds"
    )


class _Bundle(Schema):
    code: str
    version: int
    name: LocalText
    description: LocalText
    life_event: LifeEvent
    audience: Audience


class BundleSummary(_Bundle):
    services: list[str] = Field(description="Codes of the bundle's services")


class BundleDetail(_Bundle):
    services: list[BundleServiceRef]
    form: BundleForm
    materials: list[BundleMaterial]


class BundleList(Schema):
    items: list[BundleSummary]
    count: int
    next_offset: int | None


class ListParams(Schema):
    q: str | None = Field(
        default=None, max_length=100, description="Words in the code or in either language's name"
    )
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class ServiceParams(ListParams):
    department: str | None = Field(default=None, max_length=32)
    audience: Audience | None = None


class BundleParams(ListParams):
    life_event: str | None = Field(default=None, max_length=64)


# --- Rendering ----------------------------------------------------------------------------------


def _summary(version: ServiceVersion) -> dict[str, Any]:
    d = version.definition
    return {
        "code": version.code,
        "version": version.number,
        "name": local_text(d.get("name")),
        "description": local_text(d.get("description")),
        "department": version.department_code,
        "audience": version.audience,
        "online_level": d.get("online_level", ""),
        "time_limits": d.get("time_limits", {"statutory_days": 0, "promised_days": 0}),
    }


def _material(m: Mapping[str, Any], optional: bool | None = None) -> dict[str, Any]:
    return {
        "code": m["code"],
        "name": local_text(m.get("name")),
        "description": local_text(m.get("description")),
        "file_types": list(m.get("file_types", [])),
        "max_size_mb": float(m.get("max_size_mb", 0)),
        "optional": bool(m.get("optional")) if optional is None else optional,
        "condition": m.get("condition"),
    }


def _form(schema: Mapping[str, Any], pages: list[Mapping[str, Any]]) -> dict[str, Any]:
    # The form goes out without its $defs: its fields and rules come with references written out.
    rules = domain.form_rules(schema)
    return {
        "properties": domain.form_fields(schema),
        "required": list(schema.get("required", [])),
        "dependent_required": rules.dependent_required,
        "rules": rules.rules,
        "pages": [
            {"id": p["id"], "title": local_text(p.get("title")), "fields": list(p["fields"])}
            for p in pages
        ],
    }


def _detail(version: ServiceVersion) -> dict[str, Any]:
    d = version.definition
    form = d.get("form", {})
    fee = d.get("fee", {})
    return {
        **_summary(version),
        "legal_basis": [
            {"citation": local_text(c.get("citation")), "url": c.get("url")}
            for c in d.get("legal_basis", [])
        ],
        "form": _form(form, form.get("pages", [])),
        "materials": [_material(m) for m in d.get("materials", [])],
        "stages": [
            {
                "id": stage["id"],
                "after": list(stage.get("after", [])),
                "steps": [
                    {
                        "code": step["code"],
                        "name": local_text(step.get("name")),
                        "department": step["department"],
                        "promised_days": step["promised_days"],
                    }
                    for step in stage.get("steps", [])
                ],
            }
            for stage in d.get("process", {}).get("stages", [])
        ],
        "fee": {
            "amount": fee.get("amount", 0),
            "currency": fee.get("currency", "CNY"),
            "note": local_text(fee["note"]) if fee.get("note") else None,
        },
        "outputs": [
            {"code": o["code"], "name": local_text(o.get("name")), "kind": o["kind"]}
            for o in d.get("outputs", [])
        ],
    }


def _bundle_summary(version: BundleVersion) -> dict[str, Any]:
    d = version.definition
    event = d.get("life_event", {})
    return {
        "code": version.code,
        "version": version.number,
        "name": local_text(d.get("name")),
        "description": local_text(d.get("description")),
        "life_event": {"code": event.get("code", ""), "title": local_text(event.get("title"))},
        "audience": version.audience,
        "services": [s["code"] for s in d.get("services", [])],
    }


def _bundle_detail(
    version: BundleVersion, services: Mapping[str, ServiceVersion], merged: domain.BundleForm
) -> dict[str, Any]:
    schema = merged.schema()
    return {
        **_bundle_summary(version),
        "services": [
            {
                "code": item["code"],
                "name": local_text(services[item["code"]].definition.get("name")),
                "department": services[item["code"]].department_code,
                "condition": item.get("condition"),
            }
            for item in version.definition.get("services", [])
        ],
        "form": {
            **_form(schema, schema.get("pages", [])),
            "service_rules": [
                {
                    "service": found.service,
                    "condition": found.condition,
                    "required": found.required,
                    "dependent_required": found.dependent_required,
                    "rules": found.rules,
                }
                for found in merged.service_rules()
            ],
        },
        "materials": [
            {
                **_material(
                    {
                        "code": m.code,
                        "name": m.name,
                        "description": m.description,
                        "file_types": m.file_types,
                        "max_size_mb": m.max_size_mb,
                    },
                    optional=m.optional,
                ),
                "condition": merged.material_condition(m),
            }
            for m in merged.materials
        ],
    }


def _search(versions: QuerySet[Any], q: str | None, code_field: str) -> QuerySet[Any]:
    words = (q or "").split()
    for word in words:
        versions = versions.filter(
            Q(**{f"{code_field}__icontains": word})
            | Q(name_zh__icontains=word)
            | Q(name_en__icontains=word)
        )
    return versions


def _page(versions: QuerySet[Any], limit: int, offset: int) -> tuple[list[Any], int, int | None]:
    count = versions.count()
    items = list(versions[offset : offset + limit])
    more = offset + len(items) < count
    return items, count, (offset + len(items) if more else None)


# --- Operations ---------------------------------------------------------------------------------


@router.get(
    "/services",
    response={200: ServiceList, **error_responses(422)},
    auth=None,
    summary="List or search the services people can apply for",
)
def list_services(request: HttpRequest, params: Query[ServiceParams]) -> dict[str, Any]:
    versions = _search(
        selectors.published_services(department_code=params.department, audience=params.audience),
        params.q,
        "service__code",
    )
    items, count, next_offset = _page(versions, params.limit, params.offset)
    return {"items": [_summary(v) for v in items], "count": count, "next_offset": next_offset}


@router.get(
    "/services/{code}",
    response={200: ServiceDetail, **error_responses(404, 422)},
    auth=None,
    summary="One published service: legal basis, form, materials, steps, limits and fee",
)
def get_service(request: HttpRequest, code: str) -> dict[str, Any]:
    version = selectors.published_service(code)
    if version is None:
        raise selectors.NotInCatalogue(code)
    return _detail(version)


@router.get(
    "/bundles",
    response={200: BundleList, **error_responses(422)},
    auth=None,
    summary="List or search the life-event bundles (一件事)",
)
def list_bundles(request: HttpRequest, params: Query[BundleParams]) -> dict[str, Any]:
    versions = _search(
        selectors.published_bundles(life_event=params.life_event), params.q, "bundle__code"
    )
    items, count, next_offset = _page(versions, params.limit, params.offset)
    return {
        "items": [_bundle_summary(v) for v in items],
        "count": count,
        "next_offset": next_offset,
    }


@router.get(
    "/bundles/{code}",
    response={200: BundleDetail, **error_responses(404, 422)},
    auth=None,
    summary="One published bundle with its services, its one merged form and its materials",
)
def get_bundle(request: HttpRequest, code: str) -> dict[str, Any]:
    """One form for all the bundle's services: a field several services ask for is asked once,
    under one name. `form.required` lists what every application needs; a service with a
    `condition` applies only when it holds. What each service requires comes service by service
    in `form.service_rules`: the fields its form always requires and its `dependentRequired` and
    `if`/`then`/`else` rules, in the form's field names, with the condition under which the
    service applies. A material's `condition` says when it is needed: the condition of each
    service that asks for it together with the material's own."""
    version, services, merged = selectors.published_bundle_form(code)
    return _bundle_detail(version, services, merged)
