"""The form of one application (:class:`FormSpec`, for one service or a bundle), its pages and
materials, and which answers count as given (:func:`clean_answers`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yiwang.catalogue import domain as catalogue


@dataclass(frozen=True)
class PageSpec:
    id: str
    title: Mapping[str, str]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    file_types: tuple[Mapping[str, str], ...]
    max_size_mb: float
    optional: bool = False


class FormSpec:
    """The form of one application, whether it is for one service or a bundle.

    ``schema`` holds every field (``properties``); what is *required* and which materials are
    needed depend on the answers (a bundle's conditional services, conditional materials), so
    they are methods taking the form data.
    """

    def __init__(
        self,
        *,
        code: str,
        schema: Mapping[str, Any],
        pages: Sequence[PageSpec],
        required: Callable[[Mapping[str, Any]], list[str]],
        materials: Callable[[Mapping[str, Any]], list[MaterialSpec]],
        all_materials: Sequence[MaterialSpec],
        services: Callable[[Mapping[str, Any]], list[str]],
        sometimes_required: Sequence[str] = (),
    ) -> None:
        self.code = code
        # Fields that some answers make required: never labelled simply optional.
        self.sometimes_required = frozenset(sometimes_required)
        self.schema = dict(schema)
        self.pages = tuple(pages)
        self._required = required
        self._materials = materials
        self._all_materials = {m.code: m for m in all_materials}
        self._services = services

    @classmethod
    def for_service(cls, definition: Mapping[str, Any]) -> FormSpec:
        form = definition.get("form", {})
        pages = [
            PageSpec(str(p["id"]), p["title"], tuple(p.get("fields", [])))
            for p in form.get("pages", [])
        ]
        always = list(form.get("required", []))

        def required(data: Mapping[str, Any]) -> list[str]:
            when = catalogue.conditionally_required(form, data)
            return [*always, *(name for name in when if name not in always)]

        def material(m: Mapping[str, Any], optional: bool) -> MaterialSpec:
            return MaterialSpec(
                str(m["code"]),
                m["name"],
                m["description"],
                tuple(m["file_types"]),
                float(m["max_size_mb"]),
                optional,
            )

        def materials(data: Mapping[str, Any]) -> list[MaterialSpec]:
            return [
                material(need.material, need.optional)
                for need in catalogue.materials_needed(definition, data)
            ]

        return cls(
            code=str(definition.get("code")),
            schema={"type": "object", "properties": dict(catalogue.form_fields(form))},
            pages=pages,
            required=required,
            materials=materials,
            all_materials=[
                material(m, bool(m.get("optional"))) for m in definition.get("materials", [])
            ],
            services=lambda _data: [str(definition.get("code"))],
            sometimes_required=catalogue.sometimes_required(form),
        )

    @classmethod
    def for_bundle(cls, merged: catalogue.BundleForm) -> FormSpec:
        schema = merged.schema()

        def spec(m: catalogue.MergedMaterial, optional: bool) -> MaterialSpec:
            return MaterialSpec(
                m.code, m.name, m.description, m.file_types, m.max_size_mb, optional
            )

        return cls(
            code=merged.code,
            schema={"type": "object", "properties": schema["properties"]},
            pages=[PageSpec(p.id, p.title, p.fields) for p in merged.pages],
            required=merged.required_fields,
            materials=lambda data: [spec(m, opt) for m, opt in merged.materials_needed(data)],
            all_materials=[spec(m, m.optional) for m in merged.materials],
            services=merged.services_applying,
            sometimes_required=merged.sometimes_required(),
        )

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.schema.get("properties", {}))

    def page(self, page_id: str) -> PageSpec | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def page_after(self, page_id: str | None) -> PageSpec | None:
        ids = [p.id for p in self.pages]
        if page_id not in ids:
            return self.pages[0] if self.pages else None
        index = ids.index(page_id) + 1
        return self.pages[index] if index < len(ids) else None

    def required_fields(self, data: Mapping[str, Any]) -> list[str]:
        return self._required(data)

    def materials_needed(self, data: Mapping[str, Any]) -> list[MaterialSpec]:
        return self._materials(data)

    def material(self, code: str) -> MaterialSpec | None:
        """A material of the form, whatever the answers (a condition may not hold yet)."""
        return self._all_materials.get(code)

    @property
    def all_materials(self) -> list[MaterialSpec]:
        return list(self._all_materials.values())

    def services_applying(self, data: Mapping[str, Any]) -> list[str]:
        return self._services(data)

    def condition_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Form data typed as the fields say, for CEL conditions."""
        return dict(catalogue.typed_form_data(self.schema, dict(data)))

    def normalise(self, name: str, value: Any) -> Any:
        """The answer to store: identifiers and bank accounts as the platform writes them
        (see :func:`yiwang.catalogue.domain.normalise_answer`); other answers unchanged."""
        return catalogue.normalise_answer(self.fields.get(name), value)


def clean_answers(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty answers: ``None`` and blank text mean "not answered"."""
    return {
        k: v
        for k, v in data.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }
