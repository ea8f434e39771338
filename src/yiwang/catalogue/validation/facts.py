"""What a run checks: the files it parsed, and the facts it checks them against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yiwang.core.definition_files import Document


@dataclass(frozen=True)
class StoredDefinition:
    """What a run needs to know about a definition already in the database."""

    kind: str
    code: str
    version: int
    definition: Mapping[str, Any]
    source: str


@dataclass(frozen=True)
class ExchangeFacts:
    """What the exchange defines, for checking ``prefill`` references. ``registries`` maps each
    registry code to its fields (field name → data element code)."""

    registries: Mapping[str, Mapping[str, str]]
    elements: frozenset[str]
    purposes: frozenset[str]


@dataclass
class Facts:
    departments: Mapping[str, bool]  # code → is active
    # None while no exchange definitions are loaded: prefill is then checked for shape only, so
    # a catalogue can be loaded before (or without) the data exchange.
    exchange: ExchangeFacts | None = None
    stored: Mapping[str, StoredDefinition] = field(default_factory=dict)
    # Some files of the run could not be read, so a "missing" service may be in one of them.
    incomplete_run: bool = False


@dataclass
class Parsed:
    """One file that holds a service or bundle definition (maybe with mistakes)."""

    doc: Document
    kind: str
    code: str

    @property
    def definition(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def file(self) -> str:
        return self.doc.file
