"""Helpers every check shares: problems with translated reasons, tolerant reads of a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.definition_files import Document, PathParts, format_path
from yiwang.core.errors import LoadProblem

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def _problem(doc: Document, where: PathParts, message: str, /, **params: Any) -> LoadProblem:
    """A problem whose reason is a translated message with ``%(name)s`` parameters."""
    return doc.problem(where, message % params if params else message)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unique_codes(doc: Document, path: PathParts, items: list[Any], key: str) -> list[LoadProblem]:
    problems = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        code = _dict(item).get(key)
        if not isinstance(code, str):
            continue
        if code in seen:
            first = format_path((*path, seen[code], key))
            message = _("'%(code)s' is already used at %(first)s; each %(key)s must be different")
            problems.append(
                _problem(doc, (*path, index, key), message, code=code, first=first, key=key)
            )
        else:
            seen[code] = index
    return problems
