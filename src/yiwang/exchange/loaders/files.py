"""Reading exchange definition files and checking them against their JSON Schemas.

How a file is read (YAML 1.2 plain values, a repeated key refused), how a path inside it is
written and how a schema error is worded are the same for every definition file the platform
loads: they come from :mod:`yiwang.core.definition_files`. What is the exchange's own is here:
which top-level keys make which kind of file, and which schema checks each kind.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from yiwang.core import definition_files
from yiwang.core.definition_files import (
    PathParts,
    UnreadableFile,
    collect_files,
    load_schema,
    read_yaml,
    schema_problems,
    split_path,
    validator_for,
)
from yiwang.core.errors import LoadProblem

# Shipped inside the package so an installed yiwang can load files; the same files are the
# committed contracts in the repository's schemas/ folder (a test keeps the two identical).
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMAS = {
    "elements": "data-element.schema.json",
    "registries": "registry.schema.json",
    "agreements": "agreement.schema.json",
}
# Top-level keys and the kind of file they make.
KEYS = {
    "elements": "elements",
    "registries": "registries",
    "purposes": "agreements",
    "agreements": "agreements",
}


@dataclass
class Document(definition_files.Document):
    """One parsed exchange file: its data, the line of each path, and the kind it holds."""

    kind: str = ""

    def problem_below(self, path: PathParts, where: str, reason: str) -> LoadProblem:
        """A problem that a check outside the loader reports at ``where`` (a path written as
        text, e.g. ``legal_basis.url``) inside the item at ``path``."""
        try:
            parts = split_path(where)
        except ValueError:
            # Still name the place, with the item's line: a malformed path must not hide the
            # reason.
            found = self.problem(path, reason)
            return LoadProblem(found.file, f"{found.path}.{where}", found.reason)
        return self.problem((*path, *parts), reason)


@cache
def validator(kind: str) -> Draft202012Validator:
    return validator_for(load_schema(SCHEMA_DIR / SCHEMAS[kind]))


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[LoadProblem]]:
    """Files named directly and every *.yaml / *.yml under named folders, as for every
    definition file; a missing path, an empty folder or another kind of file is a problem."""
    return collect_files(Path(p) for p in paths)


def _top_level_problems(doc: definition_files.Document) -> list[LoadProblem]:
    data = doc.data
    if not isinstance(data, dict) or not data:
        reason = _(
            "must be a mapping with one of the keys elements, registries, purposes or agreements"
        )
        return [doc.problem((), reason)]
    problems = []
    for key in data:
        if key in KEYS:
            continue
        reason = _("unknown top-level key '%(key)s'") % {"key": key}
        close = difflib.get_close_matches(key, list(KEYS), n=1)
        if close:
            reason += "; " + _("did you mean '%(key)s'?") % {"key": close[0]}
        reason += "; " + _("expected elements, registries, purposes or agreements")
        problems.append(doc.problem((key,), reason))
    if not problems and len({KEYS[key] for key in data}) > 1:
        reason = _(
            "a file holds one kind of definition: elements, registries, or purposes and agreements"
        )
        problems.append(doc.problem((), reason))
    return problems


def parse(files: Iterable[Path]) -> tuple[list[Document], list[LoadProblem]]:
    """Read each file and check it against the schema of its kind; every problem of every file."""
    docs: list[Document] = []
    problems: list[LoadProblem] = []
    for path in files:
        try:
            read = read_yaml(path)
        except UnreadableFile as exc:
            problems.append(exc.problem)
            continue
        found = _top_level_problems(read)
        if found:
            problems.extend(found)
            continue
        kind = KEYS[next(iter(read.data))]
        found = schema_problems(validator(kind), read.data, read)
        if found:
            problems.extend(found)
            continue
        docs.append(Document(read.file, read.data, read.lines, kind))
    return docs, problems
