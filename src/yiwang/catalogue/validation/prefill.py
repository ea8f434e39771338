"""Checking what a definition prefills from the exchange: registry, field, element, purpose."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalogue import domain
from yiwang.catalogue.validation._common import _dict, _is_dict, _list, _problem
from yiwang.catalogue.validation.facts import ExchangeFacts, Facts
from yiwang.core.definition_files import Document, PathParts
from yiwang.core.errors import LoadProblem


def _prefill_refs(data: dict[str, Any], form: dict[str, Any]) -> list[tuple[PathParts, Any]]:
    refs: list[tuple[PathParts, Any]] = []
    for index, material in enumerate(_list(data.get("materials"))):
        if "prefill" in _dict(material):
            refs.append((("materials", index, "prefill"), material["prefill"]))
    for name, schema in domain.form_fields(form).items():
        if _is_dict(schema) and "x-prefill" in schema:
            refs.append((("form", "properties", name, "x-prefill"), schema["x-prefill"]))
    return refs


def _check_prefills(
    doc: Document, data: dict[str, Any], form: dict[str, Any], facts: Facts
) -> list[LoadProblem]:
    """``prefill`` / ``x-prefill`` name a registry, a field of it, a purpose and a subject the
    exchange knows. Registry, element and purpose are checked only when the exchange has
    definitions; the subject (a form field) always."""
    fields = domain.form_fields(form)
    problems: list[LoadProblem] = []
    for path, ref in _prefill_refs(data, form):
        if not _is_dict(ref):
            continue
        subject = ref.get("subject", "applicant")
        if isinstance(subject, str) and subject != "applicant" and subject not in fields:
            message = _(
                "subject '%(name)s' is neither 'applicant' nor a field of the form "
                "(form.properties)"
            )
            problems.append(_problem(doc, (*path, "subject"), message, name=subject))
        if facts.exchange is not None:
            problems += _check_prefill_ref(doc, path, ref, facts.exchange)
    return problems


def _check_prefill_ref(
    doc: Document, path: PathParts, ref: dict[str, Any], exchange: ExchangeFacts
) -> list[LoadProblem]:
    problems: list[LoadProblem] = []
    registry, purpose = ref.get("registry"), ref.get("purpose")
    element, field_name = ref.get("element"), ref.get("field")
    if isinstance(purpose, str) and purpose not in exchange.purposes:
        message = _("unknown purpose '%(code)s'; known purposes: %(known)s")
        known = ", ".join(sorted(exchange.purposes)) or "-"
        problems.append(_problem(doc, (*path, "purpose"), message, code=purpose, known=known))
    if isinstance(element, str) and element not in exchange.elements:
        message = _("unknown data element '%(code)s'")
        problems.append(_problem(doc, (*path, "element"), message, code=element))
        element = None
    if not isinstance(registry, str):
        return problems
    holds = exchange.registries.get(registry)
    if holds is None:
        message = _("unknown registry '%(code)s'; known registries: %(known)s")
        known = ", ".join(sorted(exchange.registries)) or "-"
        problems.append(_problem(doc, (*path, "registry"), message, code=registry, known=known))
        return problems
    if isinstance(field_name, str):
        if field_name not in holds:
            message = _(
                "the registry '%(registry)s' has no field '%(name)s'; its fields: %(known)s"
            )
            problems.append(
                _problem(
                    doc,
                    (*path, "field"),
                    message,
                    registry=registry,
                    name=field_name,
                    known=", ".join(holds),
                )
            )
        elif isinstance(element, str) and holds[field_name] != element:
            message = _(
                "the registry field '%(name)s' holds the element '%(held)s', not '%(code)s'"
            )
            problems.append(
                _problem(
                    doc,
                    (*path, "field"),
                    message,
                    name=field_name,
                    held=holds[field_name],
                    code=element,
                )
            )
    elif isinstance(element, str):
        holding = [name for name, code in holds.items() if code == element]
        if not holding:
            message = _("the registry '%(registry)s' does not hold the element '%(code)s'")
            problems.append(
                _problem(doc, (*path, "element"), message, registry=registry, code=element)
            )
        elif len(holding) > 1:
            message = _(
                "the registry '%(registry)s' holds '%(code)s' in several fields (%(names)s); "
                "name one with 'field'"
            )
            problems.append(
                _problem(
                    doc,
                    (*path, "element"),
                    message,
                    registry=registry,
                    code=element,
                    names=", ".join(holding),
                )
            )
    return problems
