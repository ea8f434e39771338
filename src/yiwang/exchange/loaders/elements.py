"""Data element definitions: checked against their type and the database, turned into fields."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.definition_files import PathParts
from yiwang.core.errors import LoadProblem
from yiwang.exchange import domain
from yiwang.exchange.constants import ElementType
from yiwang.exchange.loaders._common import texts
from yiwang.exchange.loaders.files import Document
from yiwang.exchange.models import DataElement, RegistryField
from yiwang.exchange.types import ElementSpec

# Format keys that make sense for each element type.
FORMAT_KEYS: dict[str, frozenset[str]] = {
    ElementType.STRING: frozenset({"pattern", "min_length", "max_length"}),
    ElementType.ENUM: frozenset({"enumeration"}),
    ElementType.INTEGER: frozenset({"minimum", "maximum"}),
    ElementType.DECIMAL: frozenset({"minimum", "maximum"}),
    ElementType.DATE: frozenset({"minimum", "maximum"}),
    ElementType.DATETIME: frozenset({"minimum", "maximum"}),
    ElementType.BOOLEAN: frozenset(),
}


def element_problems(doc: Document, path: PathParts, item: dict[str, Any]) -> list[LoadProblem]:
    problems = []
    kind = item["type"]
    fmt = item.get("format", {})

    def problem(where: PathParts, reason: str) -> None:
        problems.append(doc.problem((*path, *where), reason))

    for key in sorted(set(fmt) - FORMAT_KEYS[kind]):
        message = _("%(key)s does not apply to an element of type %(type)s")
        problem(("format", key), message % {"key": key, "type": kind})
    values = [o["value"] for o in fmt.get("enumeration", ())]
    for j, value in enumerate(values):
        if value in values[:j]:
            first = values.index(value)
            message = _("duplicate value '%(value)s' (first at enumeration[%(first)d])")
            problem(
                ("format", "enumeration", j, "value"), message % {"value": value, "first": first}
            )
    low, high = fmt.get("min_length"), fmt.get("max_length")
    if low is not None and high is not None and low > high:
        message = _("min_length %(low)d is more than max_length %(high)d")
        problem(("format", "min_length"), message % {"low": low, "high": high})
    spec = ElementSpec(code=item["code"], type=kind)
    bounds = {}
    for key in ("minimum", "maximum"):
        if key in fmt and key in FORMAT_KEYS[kind]:
            try:
                bounds[key] = domain._bound(spec, fmt[key])
            except domain.ValueInvalid as exc:
                message = _("not a valid bound for an element of type %(type)s: %(error)s")
                problem(("format", key), message % {"type": kind, "error": exc.problem.message})
    if len(bounds) == 2 and bounds["minimum"] > bounds["maximum"]:
        problem(("format", "minimum"), _("minimum is more than maximum"))
    existing = DataElement.objects.filter(code=item["code"]).first()
    if existing is not None and existing.type != kind:
        users = sorted(
            RegistryField.objects.filter(element=existing)
            .values_list("registry__code", flat=True)
            .distinct()
        )
        if users:
            message = _(
                "cannot change from %(old)s to %(new)s: registries %(registries)s use this element"
            )
            problem(
                ("type",),
                message % {"old": existing.type, "new": kind, "registries": ", ".join(users)},
            )
    return problems


def element_fields(doc: Document, item: dict[str, Any]) -> dict[str, Any]:
    fmt = dict(item.get("format", {}))
    if "enumeration" in fmt:
        fmt["enumeration"] = [
            {"value": o["value"], "title_zh": o["title"]["zh"], "title_en": o["title"]["en"]}
            for o in fmt["enumeration"]
        ]
    description_zh, description_en = texts(item, "description")
    return {
        "name_zh": item["name"]["zh"],
        "name_en": item["name"]["en"],
        "description_zh": description_zh,
        "description_en": description_en,
        "type": item["type"],
        "format": fmt,
        "classification": item["classification"],
        "personal": item["personal"],
        "source_file": doc.file,
    }
