"""Bundles: the merged form and material list of a 一件事 (:func:`merge_bundle`)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalogue.domain.form_data import (
    condition_applies,
    form_fields,
    log_failed_condition,
    typed_form_data,
)
from yiwang.catalogue.domain.required_rules import (
    conditionally_required,
    form_rules,
    sometimes_required,
)
from yiwang.catalogue.domain.versions import Definition
from yiwang.core.cel import ConditionEvaluationError, compile_condition

# Keywords that only describe a field to people; two services may word a shared field differently.
_PRESENTATION = re.compile(r"^(x-.*|title|description|examples|default|\$comment)$")


def field_difference(a: Any, b: Any, where: str = "") -> str | None:
    """Why two field schemas cannot be asked as one field, or ``None`` when they can.

    They must agree on type, format and allowed values (``enum`` as a set), and so must their
    items and sub-fields. Other constraints may differ: the merged field must satisfy all of them.
    """
    label = where or _("the field")
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return None if a == b else _("%(label)s differs") % {"label": label}
    for key in ("type", "format"):
        if a.get(key) != b.get(key):
            message = _("%(label)s has %(key)s %(first)s in one and %(second)s in the other")
            return message % {
                "label": label,
                "key": key,
                "first": _show(a.get(key)),
                "second": _show(b.get(key)),
            }
    ea, eb = a.get("enum"), b.get("enum")
    if (ea is None) != (eb is None) or (
        ea is not None and {_key(v) for v in ea} != {_key(v) for v in eb or []}
    ):
        message = _("%(label)s allows %(first)s in one and %(second)s in the other")
        return message % {"label": label, "first": _show(ea), "second": _show(eb)}
    if a.get("type") == "array":
        items = _("the items of %(label)s") % {"label": label}
        found = field_difference(a.get("items", {}), b.get("items", {}), items)
        if found:
            return found
    if a.get("type") == "object":
        pa, pb = form_fields(a), form_fields(b)
        if set(pa) != set(pb):
            message = _("%(label)s has the sub-fields %(first)s in one and %(second)s in the other")
            return message % {
                "label": label,
                "first": ", ".join(sorted(pa)) or "-",
                "second": ", ".join(sorted(pb)) or "-",
            }
        for name in pa:
            found = field_difference(pa[name], pb[name], f"{label}.{name}")
            if found:
                return found
    return None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def _validation_part(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if not _PRESENTATION.match(k)}


@dataclass(frozen=True)
class BundleService:
    code: str
    condition: str | None
    definition: Definition


@dataclass(frozen=True)
class MergedField:
    name: str
    schema: dict[str, Any]
    services: tuple[str, ...]  # every service that asks for it, in bundle order
    required_by: tuple[str, ...]  # the services among them that require it


@dataclass(frozen=True)
class MaterialUse:
    service: str
    material: Mapping[str, Any]


@dataclass(frozen=True)
class MergedMaterial:
    code: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    file_types: tuple[Mapping[str, str], ...]
    max_size_mb: float
    uses: tuple[MaterialUse, ...]

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(u.service for u in self.uses)

    @property
    def optional(self) -> bool:
        """Optional whoever asks: every service asking for it calls it optional."""
        return optional_for(self.uses)


def optional_for(uses: Iterable[MaterialUse]) -> bool:
    """A material shared by these uses is optional only when each of them calls it optional."""
    return all(bool(u.material.get("optional")) for u in uses)


@dataclass(frozen=True)
class MergedPage:
    id: str
    title: Mapping[str, str]
    fields: tuple[str, ...]
    service: str


@dataclass(frozen=True)
class ServiceRules:
    """What one service's form requires in a bundle: the fields it always requires and its
    rules. They apply when the service does (its ``condition`` holds, or it has none)."""

    service: str
    condition: str | None
    required: list[str]
    dependent_required: dict[str, list[str]]
    rules: list[dict[str, Any]]


@dataclass(frozen=True)
class Conflict:
    """Two services cannot share a field or material: which, where in each, and why."""

    kind: str  # "field" or "material"
    name: str
    first_service: str
    first_path: str
    second_service: str
    second_path: str
    reason: str


class MergeConflictError(ValueError):
    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__("; ".join(c.reason for c in conflicts))


@dataclass(frozen=True)
class BundleForm:
    """The one form and one material list of a bundle, with who asked for what."""

    code: str
    services: tuple[BundleService, ...]
    fields: dict[str, MergedField]
    pages: tuple[MergedPage, ...]
    materials: tuple[MergedMaterial, ...]
    _service_forms: dict[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    def schema(self) -> dict[str, Any]:
        """The merged form as a JSON Schema; ``required`` holds what every application needs.

        A field required only by a service with a condition is not in ``required``: use
        :meth:`required_fields` with the form data to get the full list for one application.
        """
        unconditional = {s.code for s in self.services if not s.condition}
        return {
            "type": "object",
            "properties": {name: copy.deepcopy(f.schema) for name, f in self.fields.items()},
            "required": [
                name for name, f in self.fields.items() if set(f.required_by) & unconditional
            ],
            "pages": [
                {"id": p.id, "title": dict(p.title), "fields": list(p.fields)} for p in self.pages
            ],
        }

    @cached_property
    def _condition_schema(self) -> dict[str, Any]:
        # Conditions only read the fields' types: no need for schema()'s defensive copies.
        return {"type": "object", "properties": {n: f.schema for n, f in self.fields.items()}}

    def services_applying(self, form_data: Mapping[str, Any]) -> list[str]:
        """The services whose condition holds; one that cannot be evaluated counts as true, as
        in :func:`condition_applies` (the bundle is named in the operator's log line)."""
        typed: Any = None  # typed once, for all the services' conditions
        applying = []
        for service in self.services:
            if service.condition:
                if typed is None:
                    typed = typed_form_data(self._condition_schema, dict(form_data))
                try:
                    holds = compile_condition(service.condition).evaluate(typed)
                except ConditionEvaluationError as exc:
                    log_failed_condition(f"{self.code}/{service.code}", service.condition, exc)
                    holds = True
                if not holds:
                    continue
            applying.append(service.code)
        return applying

    def required_fields(self, form_data: Mapping[str, Any]) -> list[str]:
        """What this application must answer: the fields a service that applies requires,
        whatever the answers or because of them (its form's ``if``/``then`` and
        ``dependentRequired`` rules)."""
        applying = self.services_applying(form_data)
        codes = set(applying)
        found = dict.fromkeys(name for name, f in self.fields.items() if set(f.required_by) & codes)
        for code in applying:
            for name in conditionally_required(self._service_forms.get(code), form_data):
                if name in self.fields:
                    found[name] = None
        return list(found)

    def sometimes_required(self) -> list[str]:
        """The fields only some answers make required: those of a service with a condition, and
        those its form's rules ask for (see :meth:`required_fields`)."""
        unconditional = {s.code for s in self.services if not s.condition}
        found = dict.fromkeys(
            name
            for name, f in self.fields.items()
            if f.required_by and not set(f.required_by) & unconditional
        )
        for form in self._service_forms.values():
            for name in sometimes_required(form):
                if name in self.fields and not set(self.fields[name].required_by) & unconditional:
                    found[name] = None
        return list(found)

    def service_rules(self) -> list[ServiceRules]:
        """What each service's form requires, in bundle order, for each service that requires
        anything: the fields it always requires and its rules (``dependentRequired``,
        ``if``/``then``), as :meth:`required_fields` applies them.

        They are kept per service rather than merged into :meth:`schema`: a service with a
        condition requires its fields and brings its rules only when it applies. A service's
        field is asked under its own name in the merged form (fields with the same name are
        shared, never renamed), so these name the merged form's fields as they stand.
        """
        found = []
        for service in self.services:
            required = [n for n, f in self.fields.items() if service.code in f.required_by]
            rules = form_rules(self._service_forms.get(service.code))
            if required or rules.dependent_required or rules.rules:
                found.append(
                    ServiceRules(
                        service.code,
                        service.condition,
                        required,
                        rules.dependent_required,
                        rules.rules,
                    )
                )
        return found

    def material_condition(self, material: MergedMaterial) -> str | None:
        """When :meth:`materials_needed` asks for ``material``, as one CEL expression over the
        merged form, or None when it always does.

        A service needs the material when the service applies and the material's own condition
        holds: ``(service condition) && (material condition)``, or the one of them there is. A
        material several services ask for is needed when any of them needs it, so their terms
        are joined with ``||``; a service that always needs it makes the whole None. A field
        that is left empty makes the term reading it false, as it does in each condition alone.
        """
        conditions = {s.code: s.condition for s in self.services}
        terms: list[str] = []
        for use in material.uses:
            parts = [c for c in (conditions.get(use.service), use.material.get("condition")) if c]
            if not parts:
                return None
            term = _all_of(parts)
            if term not in terms:
                terms.append(term)
        return terms[0] if len(terms) == 1 else " || ".join(_parenthesised(t) for t in terms)

    def materials_needed(self, form_data: Mapping[str, Any]) -> list[tuple[MergedMaterial, bool]]:
        """Each material to ask for once, and whether it is optional for this application.

        A shared material is needed when any applying service needs it (its own condition holds)
        and is optional only when every service that needs it calls it optional.
        """
        applying = set(self.services_applying(form_data))
        out = []
        for merged in self.materials:
            needing = [
                use
                for use in merged.uses
                if use.service in applying
                and condition_applies(
                    use.material.get("condition"),
                    form_data,
                    self._service_forms.get(use.service),
                    service=use.service,
                )
            ]
            if needing:
                out.append((merged, optional_for(needing)))
        return out


def _all_of(conditions: list[str]) -> str:
    if len(conditions) == 1:
        return conditions[0]
    return " && ".join(_parenthesised(c) for c in conditions)


def _parenthesised(condition: str) -> str:
    # A condition may end in a // comment, which would swallow a closing parenthesis on its line.
    return f"({condition}\n)" if "//" in condition else f"({condition})"


def merge_bundle(bundle: Definition, services: Mapping[str, Definition]) -> BundleForm:
    """Build a bundle's form: shared fields asked once, shared materials asked once.

    ``services`` maps each service code of the bundle to the definition to use. Raises
    :class:`MergeConflictError` listing every field or material two services disagree about.
    """
    entries = [
        BundleService(str(item["code"]), item.get("condition"), services[str(item["code"])])
        for item in bundle.get("services", [])
    ]
    merger = _Merger()
    for entry in entries:
        form = entry.definition.get("form", {})
        required = set(form.get("required", []))
        for name, schema in form_fields(form).items():
            merger.add_field(entry.code, name, schema, name in required)
        for page in form.get("pages", []):
            merger.add_page(entry.code, page)
        for index, material in enumerate(entry.definition.get("materials", [])):
            merger.add_material(entry.code, index, material)
    if merger.conflicts:
        raise MergeConflictError(merger.conflicts)
    return BundleForm(
        code=str(bundle.get("code")),
        services=tuple(entries),
        fields=merger.fields,
        pages=tuple(merger.pages),
        materials=tuple(merger.materials.values()),
        _service_forms={e.code: e.definition.get("form", {}) for e in entries},
    )


def _file_type_keys(file_types: Iterable[Mapping[str, str]]) -> set[tuple[str, str]]:
    return {(t["extension"], t["mime_type"]) for t in file_types}


class _Merger:
    """Collects the merged fields, pages and materials of a bundle, service by service."""

    def __init__(self) -> None:
        self.fields: dict[str, MergedField] = {}
        self.pages: list[MergedPage] = []
        self.materials: dict[str, MergedMaterial] = {}
        self.conflicts: list[Conflict] = []
        self._material_index: dict[tuple[str, str], int] = {}

    def add_field(self, service: str, name: str, schema: Mapping[str, Any], required: bool) -> None:
        if name not in self.fields:
            self.fields[name] = MergedField(
                name, copy.deepcopy(dict(schema)), (service,), (service,) if required else ()
            )
            return
        merged = self.fields[name]
        reason = field_difference(merged.schema, schema)
        if reason:
            path = f"form.properties.{name}"
            message = _("field '%(name)s': %(reason)s") % {"name": name, "reason": reason}
            self.conflicts.append(
                Conflict("field", name, merged.services[0], path, service, path, message)
            )
            return
        # Both services' rules must hold for the one answer: keep the first field and add the
        # other's validation keywords when they differ.
        combined = merged.schema
        extra = _validation_part(schema)
        if extra != _validation_part(combined) and extra not in combined.get("allOf", []):
            combined = {**combined, "allOf": [*combined.get("allOf", []), extra]}
        self.fields[name] = MergedField(
            name,
            combined,
            (*merged.services, service),
            (*merged.required_by, service) if required else merged.required_by,
        )

    def add_page(self, service: str, page: Mapping[str, Any]) -> None:
        """A service's page keeps only the fields no earlier service asked for."""
        placed = {f for p in self.pages for f in p.fields}
        remaining = tuple(
            f
            for f in page.get("fields", [])
            if f in self.fields and self.fields[f].services[0] == service and f not in placed
        )
        if remaining:
            self.pages.append(
                MergedPage(f"{service}.{page['id']}", page["title"], remaining, service)
            )

    def add_material(self, service: str, index: int, material: Mapping[str, Any]) -> None:
        code = str(material["code"])
        self._material_index[(service, code)] = index
        use = MaterialUse(service, material)
        if code not in self.materials:
            self.materials[code] = MergedMaterial(
                code,
                material["name"],
                material["description"],
                tuple(material["file_types"]),
                float(material["max_size_mb"]),
                (use,),
            )
            return
        merged = self.materials[code]
        accepted = _file_type_keys(material["file_types"])
        common = tuple(t for t in merged.file_types if (t["extension"], t["mime_type"]) in accepted)
        if not common:
            self.conflicts.append(self._material_conflict(merged, service, index, material))
            return
        self.materials[code] = MergedMaterial(
            code,
            merged.name,
            merged.description,
            common,
            min(merged.max_size_mb, float(material["max_size_mb"])),
            (*merged.uses, use),
        )

    def _material_conflict(
        self, merged: MergedMaterial, service: str, index: int, material: Mapping[str, Any]
    ) -> Conflict:
        # Name the earlier service that disagrees outright, if one does; otherwise the earlier
        # services together narrowed the choice to nothing this one accepts.
        accepted = _file_type_keys(material["file_types"])
        clash = next(
            (u for u in merged.uses if not accepted & _file_type_keys(u.material["file_types"])),
            merged.uses[-1],
        )
        first_index = self._material_index[(clash.service, merged.code)]
        message = _(
            "material '%(code)s': no file type is accepted by every service that asks for it "
            "(%(earlier)s accept %(earlier_types)s; %(service)s accepts %(types)s)"
        ) % {
            "code": merged.code,
            "earlier": ", ".join(merged.services),
            "earlier_types": _types(merged.file_types),
            "service": service,
            "types": _types(material["file_types"]),
        }
        return Conflict(
            "material",
            merged.code,
            clash.service,
            f"materials[{first_index}].file_types",
            service,
            f"materials[{index}].file_types",
            message,
        )


def _types(file_types: Iterable[Mapping[str, str]]) -> str:
    return ", ".join(t["extension"] for t in file_types)
