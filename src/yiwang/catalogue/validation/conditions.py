"""Checking a condition: it compiles, reads only fields that exist, and gives true or false."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalogue import domain
from yiwang.catalogue.validation._common import _problem
from yiwang.core import cel
from yiwang.core.definition_files import Document, PathParts
from yiwang.core.errors import LoadProblem


def check_condition(
    doc: Document,
    path: PathParts,
    source: Any,
    form: Mapping[str, Any],
    in_bundle: bool = False,
) -> list[LoadProblem]:
    """Compile a condition, check the names it reads, and try it once on sample data."""
    if not isinstance(source, str) or not source.strip():
        return []  # the schema reports the wrong type or an empty condition
    try:
        condition = cel.compile_condition(source)
    except cel.ConditionSyntaxError as exc:
        message = _("the condition '%(condition)s' %(error)s")
        return [_problem(doc, path, message, condition=source, error=exc)]
    problems = []
    refs = cel.references(source)
    if cel.FORM in refs.bound_names:
        message = _(
            "do not use 'form' as the variable of all/exists/map/filter: it is the name of the "
            "form data"
        )
        problems.append(_problem(doc, path, message))
    for name in cel.unknown_names(condition):
        message = _(
            "the condition reads '%(name)s', which does not exist; read form fields as "
            "form.<field name>"
        )
        problems.append(_problem(doc, path, message, name=name))
    for name in cel.unknown_functions(condition):
        message = _(
            "the condition calls %(name)s(), which conditions cannot use; available: %(known)s"
        )
        known = ", ".join(sorted(cel.KNOWN_FUNCTIONS))
        problems.append(_problem(doc, path, message, name=name, known=known))
    for ref in refs.fields:
        missing = _missing_field(form, ref.path)
        if missing is None:
            continue
        if in_bundle:
            message = _(
                "the condition reads form.%(path)s, but the merged form of the bundle has no "
                "field '%(field)s'"
            )
        else:
            message = _("the condition reads form.%(path)s, but the form has no field '%(field)s'")
        problems.append(_problem(doc, path, message, path=".".join(ref.path), field=missing))
    if not problems:
        problems += _trial_run(doc, path, source, form)
    return problems


def _trial_run(
    doc: Document, path: PathParts, source: str, form: Mapping[str, Any]
) -> list[LoadProblem]:
    """Evaluate once with a value of the right type in every field, to catch type mistakes."""
    try:
        domain.condition_holds(source, domain.sample_form_data(form), form)
    except cel.ConditionEvaluationError as exc:
        if "No such overload" in str(exc):
            message = _(
                "the condition '%(condition)s' combines values of different types (text with a "
                "number, or a whole number with a decimal one: write 300.0 for a number field); "
                "CEL never converts between them"
            )
            return [_problem(doc, path, message, condition=source)]
        if "must give true or false" in str(exc):
            message = _("the condition '%(condition)s' must be true or false")
            return [_problem(doc, path, message, condition=source)]
    return []


def _missing_field(form: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    """The first name of ``path`` that is not a field (walking into object fields), or None."""
    schema: Mapping[str, Any] = {"type": "object", **form}
    walked: list[str] = []
    for name in path:
        if schema.get("type") != "object" or not isinstance(schema.get("properties"), Mapping):
            return None  # lists, free-form objects: nothing more is known
        props = schema["properties"]
        walked.append(name)
        if name not in props:
            return ".".join(walked)
        schema = props[name] if isinstance(props[name], Mapping) else {}
    return None
