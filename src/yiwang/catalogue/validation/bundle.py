"""Checking a bundle definition: the services it holds, and its merged form and conditions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalogue import domain
from yiwang.catalogue.constants import Audience, DefinitionKind
from yiwang.catalogue.validation._common import SCHEMA_DIR, _dict, _list, _problem, _unique_codes
from yiwang.catalogue.validation.conditions import check_condition, syntax_problem
from yiwang.catalogue.validation.facts import Facts, Parsed
from yiwang.core import cel
from yiwang.core.definition_files import Document, load_schema, schema_problems, validator_for
from yiwang.core.errors import LoadProblem

BUNDLE_SCHEMA = SCHEMA_DIR / "bundle-definition.schema.json"


@dataclass(frozen=True)
class ServiceSource:
    """Where the definition of a service used by a bundle comes from, to name it in messages."""

    definition: Mapping[str, Any]
    where: str  # "food-licence.yaml" or "stored version 3 (from food-licence.yaml)"


def check_bundle(
    parsed: Parsed,
    services: Mapping[str, ServiceSource],
    facts: Facts,
    broken: frozenset[str] = frozenset(),
) -> list[LoadProblem]:
    """Check a bundle; services in ``broken`` have their own problems and are not merged."""
    doc, data = parsed.doc, parsed.definition
    problems = schema_problems(validator_for(load_schema(BUNDLE_SCHEMA)), data, doc)
    items = _list(data.get("services"))
    list_problems = _unique_codes(doc, ("services",), items, "code")
    usable: dict[str, ServiceSource] = {}
    for index, item in enumerate(items):
        code = _dict(item).get("code")
        if isinstance(code, str):
            list_problems += _check_bundle_service(
                doc, index, code, data.get("audience"), services, facts
            )
            if code in services:
                usable[code] = services[code]
    problems += list_problems
    if list_problems or any(not isinstance(_dict(i).get("code"), str) for i in items):
        return problems
    if broken & set(usable):
        # The merge would only repeat the services' own mistakes; still check the syntax.
        for index, item in enumerate(items):
            source = _dict(item).get("condition")
            if isinstance(source, str) and source.strip():
                try:
                    cel.compile_condition(source)
                except cel.ConditionSyntaxError as exc:
                    where = ("services", index, "condition")
                    problems.append(syntax_problem(doc, where, source, exc))
        return problems
    try:
        merged = domain.merge_bundle(data, {c: s.definition for c, s in usable.items()})
    except domain.MergeConflictError as exc:
        index_of = {_dict(i).get("code"): n for n, i in enumerate(items)}
        for conflict in exc.conflicts:
            first, second = usable[conflict.first_service], usable[conflict.second_service]
            message = _(
                "%(reason)s: %(first)s (%(first_file)s: %(first_path)s) and %(second)s "
                "(%(second_file)s: %(second_path)s) cannot be asked as one"
            )
            path = ("services", index_of[conflict.second_service], "code")
            problems.append(
                _problem(
                    doc,
                    path,
                    message,
                    reason=conflict.reason,
                    first=conflict.first_service,
                    first_file=first.where,
                    first_path=conflict.first_path,
                    second=conflict.second_service,
                    second_file=second.where,
                    second_path=conflict.second_path,
                )
            )
        return problems
    schema = merged.schema()
    for index, item in enumerate(items):
        if "condition" in _dict(item):
            path = ("services", index, "condition")
            problems += check_condition(doc, path, item["condition"], schema, in_bundle=True)
    return problems


def _check_bundle_service(
    doc: Document,
    index: int,
    code: str,
    audience: Any,
    services: Mapping[str, ServiceSource],
    facts: Facts,
) -> list[LoadProblem]:
    path = ("services", index, "code")
    if code not in services:
        stored = facts.stored.get(code)
        if stored is not None and stored.kind == DefinitionKind.BUNDLE:
            return [
                _problem(doc, path, _("'%(code)s' is a bundle; a bundle holds services"), code=code)
            ]
        if facts.incomplete_run:
            message = _(
                "there is no service '%(code)s', neither in the files of this run nor loaded "
                "before (a file of this run that could not be read may define it)"
            )
        else:
            message = _(
                "there is no service '%(code)s', neither in the files of this run nor loaded before"
            )
        return [_problem(doc, path, message, code=code)]
    source = services[code]
    service_audience = source.definition.get("audience")
    if audience in Audience.values and service_audience not in (audience, Audience.BOTH):
        message = _(
            "the bundle is for '%(audience)s' but the service '%(code)s' (%(file)s) is only for "
            "'%(service_audience)s'"
        )
        return [
            _problem(
                doc,
                path,
                message,
                audience=audience,
                code=code,
                file=source.where,
                service_audience=service_audience,
            )
        ]
    return []
