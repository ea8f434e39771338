"""A whole run: telling services from bundles, and checking each against the others."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from yiwang.catalogue.constants import DefinitionKind
from yiwang.catalogue.validation._common import _is_dict, _problem
from yiwang.catalogue.validation.bundle import ServiceSource, check_bundle
from yiwang.catalogue.validation.facts import Facts, Parsed
from yiwang.catalogue.validation.service import check_service
from yiwang.core.definition_files import Document
from yiwang.core.errors import LoadProblem


def classify(doc: Document) -> tuple[Parsed | None, list[LoadProblem]]:
    data = doc.data
    if not _is_dict(data):
        message = _("must be a mapping that starts with 'kind: service' or 'kind: bundle'")
        return None, [_problem(doc, (), message)]
    kind = data.get("kind")
    if kind not in DefinitionKind.values:
        if "kind" in data:
            message = _("must be 'service' or 'bundle', not '%(kind)s'")
            return None, [_problem(doc, ("kind",), message, kind=kind)]
        message = _("is missing; write 'kind: service' or 'kind: bundle'")
        return None, [_problem(doc, ("kind",), message)]
    code = data.get("code")
    return Parsed(doc, str(kind), code if isinstance(code, str) else ""), []


def check_run(
    parsed: list[Parsed], facts: Facts, extra: Callable[[Parsed], list[LoadProblem]] | None = None
) -> list[LoadProblem]:
    """Check every definition of a run, each against the others and against what is stored."""
    problems: list[LoadProblem] = []
    by_code: dict[str, Parsed] = {}
    for item in parsed:
        if not item.code:
            continue
        if item.code in by_code:
            message = _("the code '%(code)s' is also defined in %(file)s")
            problems.append(
                _problem(item.doc, ("code",), message, code=item.code, file=by_code[item.code].file)
            )
            continue
        by_code[item.code] = item
        stored = facts.stored.get(item.code)
        if stored is not None and stored.kind != item.kind:
            message = _(
                "'%(code)s' is already the code of a %(kind)s; a code names one service or one "
                "bundle"
            )
            kind = str(DefinitionKind(stored.kind).label).lower()
            problems.append(_problem(item.doc, ("code",), message, code=item.code, kind=kind))
    broken: set[str] = set()
    for item in parsed:
        if item.kind == DefinitionKind.SERVICE:
            found = check_service(item, facts)
            if found:
                broken.add(item.code)
            problems += found
    sources: dict[str, ServiceSource] = {
        code: ServiceSource(
            s.definition,
            _("stored version %(version)d (from %(file)s)")
            % {"version": s.version, "file": s.source or "?"},
        )
        for code, s in facts.stored.items()
        if s.kind == DefinitionKind.SERVICE
    }
    for item in parsed:
        if item.kind == DefinitionKind.SERVICE and by_code.get(item.code) is item:
            sources[item.code] = ServiceSource(item.definition, item.file)
    for item in parsed:
        if item.kind == DefinitionKind.BUNDLE:
            problems += check_bundle(item, sources, facts, broken=frozenset(broken))
    if extra is not None:
        for item in parsed:
            problems += extra(item)
    return problems
