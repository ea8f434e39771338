"""What every kind shares: the report, items and their paths, duplicate codes, upsert by code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.definition_files import PathParts, format_path
from yiwang.core.errors import LoadProblem
from yiwang.exchange.loaders.files import Document


@dataclass
class LoadReport:
    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    approved: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def note(self, kind: str, outcome: str, code: str) -> None:
        getattr(self, outcome).setdefault(kind, []).append(code)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.approved)


def items_of(
    docs: list[Document], key: str
) -> Iterable[tuple[Document, PathParts, dict[str, Any]]]:
    for doc in docs:
        for i, item in enumerate(doc.data.get(key, ())):
            yield doc, (key, i), item


def duplicates(items: list[tuple[Document, PathParts, dict[str, Any]]]) -> list[LoadProblem]:
    seen: dict[str, tuple[str, PathParts]] = {}
    problems = []
    for doc, path, item in items:
        code = item["code"]
        if code in seen:
            first_file, first_path = seen[code]
            reason = _("duplicate code '%(code)s' (first at %(file)s: %(path)s)") % {
                "code": code,
                "file": first_file,
                "path": format_path(first_path),
            }
            problems.append(doc.problem((*path, "code"), reason))
        else:
            seen[code] = (doc.file, path)
    return problems


def texts(item: Mapping[str, Any], key: str) -> tuple[str, str]:
    value = item.get(key) or {}
    return value.get("zh", ""), value.get("en", "")


def upsert(model: Any, code: str, values: dict[str, Any]) -> tuple[Any, str]:
    """Create or update by code; returns the object and created / updated / unchanged."""
    obj = model.objects.filter(code=code).first()
    if obj is None:
        return model.objects.create(code=code, **values), "created"
    # source_file alone changing (the same definition moved) is not a change worth a version.
    if all(getattr(obj, k) == v for k, v in values.items() if k != "source_file"):
        return obj, "unchanged"
    for k, v in values.items():
        setattr(obj, k, v)
    obj.save()
    return obj, "updated"
