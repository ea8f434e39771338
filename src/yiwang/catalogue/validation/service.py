"""Checking a service definition: its department, materials, process, time limits and fee."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalogue import domain
from yiwang.catalogue.constants import FILE_TYPES, STEP_ROLES
from yiwang.catalogue.validation._common import (
    SCHEMA_DIR,
    _dict,
    _is_dict,
    _list,
    _problem,
    _unique_codes,
)
from yiwang.catalogue.validation.conditions import check_condition
from yiwang.catalogue.validation.facts import Facts, Parsed
from yiwang.catalogue.validation.forms import _check_form
from yiwang.catalogue.validation.prefill import _check_prefills
from yiwang.core.definition_files import (
    Document,
    PathParts,
    format_path,
    load_schema,
    schema_problems,
    validator_for,
)
from yiwang.core.errors import LoadProblem
from yiwang.identity.constants import Role

SERVICE_SCHEMA = SCHEMA_DIR / "service-definition.schema.json"


def check_service(parsed: Parsed, facts: Facts) -> list[LoadProblem]:
    doc, data = parsed.doc, parsed.definition
    problems = schema_problems(validator_for(load_schema(SERVICE_SCHEMA)), data, doc)
    form = _dict(data.get("form"))
    problems += _check_department(doc, ("department",), data.get("department"), facts)
    problems += _check_form(doc, form)
    problems += _check_materials(doc, data, form)
    problems += _check_prefills(doc, data, form, facts)
    problems += _check_process(doc, data, form, facts)
    problems += _check_limits_and_fee(doc, data)
    problems += _unique_codes(doc, ("outputs",), _list(data.get("outputs")), "code")
    return problems


def _check_department(doc: Document, path: PathParts, code: Any, facts: Facts) -> list[LoadProblem]:
    if not isinstance(code, str) or not code:
        return []
    if code not in facts.departments:
        message = _("unknown department '%(code)s'; %(suggestion)s")
        return [
            _problem(doc, path, message, code=code, suggestion=_suggest(code, facts.departments))
        ]
    if not facts.departments[code]:
        return [_problem(doc, path, _("the department '%(code)s' is no longer active"), code=code)]
    return []


def _suggest(code: str, known: Iterable[str], limit: int = 15) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(code, names, n=3)
    if close:
        return _("did you mean %(names)s?") % {"names": " / ".join(f"'{c}'" for c in close)}
    if not names:
        return _("no department has been set up yet")
    if len(names) > limit:
        return _("known departments: %(names)s and %(count)d more") % {
            "names": ", ".join(names[:limit]),
            "count": len(names) - limit,
        }
    return _("known departments: %(names)s") % {"names": ", ".join(names)}


def _check_materials(
    doc: Document, data: dict[str, Any], form: dict[str, Any]
) -> list[LoadProblem]:
    materials = _list(data.get("materials"))
    problems = _unique_codes(doc, ("materials",), materials, "code")
    for index, material in enumerate(materials):
        for t_index, file_type in enumerate(_list(_dict(material).get("file_types"))):
            where = ("materials", index, "file_types", t_index)
            problems += _check_file_type(doc, where, file_type)
        if "condition" in _dict(material):
            path = ("materials", index, "condition")
            problems += check_condition(doc, path, material["condition"], form)
    return problems


def _check_file_type(doc: Document, path: PathParts, file_type: Any) -> list[LoadProblem]:
    """A type the upload check recognises by content, with an extension that belongs to it."""
    extension, mime_type = _dict(file_type).get("extension"), _dict(file_type).get("mime_type")
    if not isinstance(extension, str) or not isinstance(mime_type, str):
        return []  # the schema reports what is missing
    accepted = ", ".join(
        f"{mime} ({' '.join(extensions)})" for mime, extensions in FILE_TYPES.items()
    )
    extensions = FILE_TYPES.get(mime_type)
    if extensions is None:
        message = _(
            "%(mime_type)s is not a file type the platform can check when a file is uploaded, "
            "so every file would be refused; accepted types: %(accepted)s"
        )
        return [_problem(doc, path, message, mime_type=mime_type, accepted=accepted)]
    if extension not in extensions:
        belongs = [mime for mime, exts in FILE_TYPES.items() if extension in exts]
        if belongs:
            message = _(
                "%(extension)s files are %(belongs)s, not %(mime_type)s; write "
                "{extension: %(extension)s, mime_type: %(belongs)s}"
            )
        else:
            message = _(
                "%(extension)s is not an extension of %(mime_type)s files; use %(extensions)s"
            )
        return [
            _problem(
                doc,
                path,
                message,
                extension=extension,
                mime_type=mime_type,
                belongs=" / ".join(belongs),
                extensions=" / ".join(extensions),
            )
        ]
    return []


def _check_process(
    doc: Document, data: dict[str, Any], form: dict[str, Any], facts: Facts
) -> list[LoadProblem]:
    stages = _list(_dict(data.get("process")).get("stages"))
    problems = _unique_codes(doc, ("process", "stages"), stages, "id")
    ids = {
        s.get("id"): i for i, s in enumerate(stages) if _is_dict(s) and isinstance(s.get("id"), str)
    }
    step_seen: dict[str, str] = {}
    after_ok = True
    for s_index, stage in enumerate(stages):
        if not _is_dict(stage):
            continue
        for a_index, before in enumerate(_list(stage.get("after"))):
            path = ("process", "stages", s_index, "after", a_index)
            if before == stage.get("id"):
                problems.append(_problem(doc, path, _("a stage cannot wait for itself")))
                after_ok = False
            elif isinstance(before, str) and before not in ids:
                message = _("there is no stage '%(id)s'; stages: %(known)s")
                known = ", ".join(str(k) for k in ids)
                problems.append(_problem(doc, path, message, id=before, known=known))
                after_ok = False
        for t_index, step in enumerate(_list(stage.get("steps"))):
            if _is_dict(step):
                path = ("process", "stages", s_index, "steps", t_index)
                problems += _check_step(doc, path, step, form, facts, step_seen)
    well_formed = all(
        _is_dict(s)
        and isinstance(s.get("id"), str)
        and all(isinstance(a, str) for a in _list(s.get("after")))
        for s in stages
    )
    if stages and well_formed and after_ok and len(ids) == len(stages):
        cycle = domain.find_cycle(domain.stage_predecessors(data))
        if cycle:
            message = _("the stages wait on each other in a circle: %(cycle)s")
            where = ("process", "stages", ids[cycle[0]], "after")
            problems.append(_problem(doc, where, message, cycle=" → ".join(cycle)))
        elif not any(p.path.startswith("process.stages") for p in problems):
            problems += _check_chain(doc, data)
    return problems


def _check_step(
    doc: Document,
    path: PathParts,
    step: dict[str, Any],
    form: dict[str, Any],
    facts: Facts,
    step_seen: dict[str, str],
) -> list[LoadProblem]:
    problems = []
    code = step.get("code")
    if isinstance(code, str):
        if code in step_seen:
            message = _("the step code '%(code)s' is already used at %(first)s")
            problems.append(
                _problem(doc, (*path, "code"), message, code=code, first=step_seen[code])
            )
        else:
            step_seen[code] = format_path((*path, "code"))
    problems += _check_department(doc, (*path, "department"), step.get("department"), facts)
    role = step.get("role")
    if isinstance(role, str) and role:
        roles = ", ".join(STEP_ROLES)
        if role not in Role.values:
            message = _("unknown role '%(role)s'; a step is done by one of: %(roles)s")
            problems.append(_problem(doc, (*path, "role"), message, role=role, roles=roles))
        elif role not in STEP_ROLES:
            message = _("the role '%(role)s' does not handle cases; use one of: %(roles)s")
            problems.append(_problem(doc, (*path, "role"), message, role=role, roles=roles))
    if "condition" in step:
        problems += check_condition(doc, (*path, "condition"), step["condition"], form)
    return problems


def _check_chain(doc: Document, data: dict[str, Any]) -> list[LoadProblem]:
    promised = _dict(data.get("time_limits")).get("promised_days")
    if not isinstance(promised, int) or isinstance(promised, bool):
        return []
    days, chain = domain.longest_chain(data)
    if days <= promised:
        return []
    message = _(
        "the steps promise %(days)d working days along the stages %(chain)s, more than the "
        "%(promised)d promised for the whole service"
    )
    return [
        _problem(
            doc,
            ("time_limits", "promised_days"),
            message,
            days=days,
            chain=" → ".join(chain),
            promised=promised,
        )
    ]


def _check_limits_and_fee(doc: Document, data: dict[str, Any]) -> list[LoadProblem]:
    problems = []
    limits = _dict(data.get("time_limits"))
    statutory, promised = limits.get("statutory_days"), limits.get("promised_days")
    if isinstance(statutory, int) and isinstance(promised, int) and promised > statutory:
        message = _(
            "%(promised)d is more than the statutory limit of %(statutory)d working days; the "
            "promise must be within the law"
        )
        problems.append(
            _problem(
                doc,
                ("time_limits", "promised_days"),
                message,
                promised=promised,
                statutory=statutory,
            )
        )
    amount = _dict(data.get("fee")).get("amount")
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        exponent = Decimal(str(amount)).as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            message = _("%(amount)s has more than two decimal places")
            problems.append(_problem(doc, ("fee", "amount"), message, amount=amount))
    return problems
