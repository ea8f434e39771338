"""The part of an application one reader is shown (data minimisation, 最小必要).

A bundle's application is one merged form, but each of its cases is one department's business:
the clerks of a case see the answers to the fields *its service's form* asks and the materials
*its service* asks for (:func:`service_part`), nothing that only another service of the bundle
asks. A field or material two services share is asked once and belongs to both. The merged form
keeps every service's field names, so a service's own definition says which of the merged
form's fields and materials are its part. For a single service the part is the whole form.

:class:`FormPart` is the form cut down to a part: the pages, fields and materials a page or an
API answer may name, read the way :class:`~yiwang.applications.domain.forms.FormSpec` is read
for showing an application (``pages``, ``fields``, ``material()``, ``all_materials``). It has no
``required_fields`` or ``materials_needed``: what an application needs is worked out on the whole
form, then cut down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.applications.domain.forms import FormSpec, MaterialSpec, PageSpec, clean_answers
from yiwang.catalogue import domain as catalogue


@dataclass(frozen=True)
class Part:
    """The fields (by name) and materials (by code) of an application a reader is shown."""

    fields: frozenset[str] = frozenset()
    materials: frozenset[str] = frozenset()

    def __or__(self, other: Part) -> Part:
        return Part(self.fields | other.fields, self.materials | other.materials)

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The answers to this part's fields, as stored."""
        return {name: value for name, value in data.items() if name in self.fields}


NOTHING = Part()


def service_part(definition: Mapping[str, Any]) -> Part:
    """What a service asks for: its form's fields and its materials, by the names they have in
    a bundle's merged form too (a bundle shares fields by name and never renames them)."""
    return Part(
        frozenset(catalogue.form_fields(definition.get("form"))),
        frozenset(str(m["code"]) for m in definition.get("materials", []) if "code" in m),
    )


def parts_of(definitions: Iterable[Mapping[str, Any]]) -> Part:
    """What any of several services asks for."""
    found = NOTHING
    for definition in definitions:
        found = found | service_part(definition)
    return found


class FormPart:
    """A form cut down to a part: its pages keep only the part's fields (a page left with none
    is dropped) and its materials only the part's; titles and schemas are the form's."""

    def __init__(self, spec: FormSpec, part: Part) -> None:
        self._fields = {n: f for n, f in spec.fields.items() if n in part.fields}
        pages = (
            PageSpec(p.id, p.title, tuple(f for f in p.fields if f in part.fields))
            for p in spec.pages
        )
        self.pages = tuple(p for p in pages if p.fields)
        self._materials = {m.code: m for m in spec.all_materials if m.code in part.materials}

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self._fields)

    def material(self, code: str) -> MaterialSpec | None:
        return self._materials.get(code)

    @property
    def all_materials(self) -> list[MaterialSpec]:
        return list(self._materials.values())

    def answered(self, data: Mapping[str, Any]) -> list[str]:
        """The fields on this part's pages that hold an answer in ``data``, in page order:
        those whose answers a reader of the part is shown."""
        given = clean_answers(data)
        names = (name for page in self.pages for name in page.fields)
        return [name for name in dict.fromkeys(names) if given.get(name, []) != []]
