"""Checking a condition: it compiles, reads only fields that exist, and gives true or false."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalogue import domain
from yiwang.catalogue.validation import condition_types
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
        return [syntax_problem(doc, path, source, exc)]
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
        problems += _type_mismatches(doc, path, source, form)
    if not problems:
        problems += _trial_run(doc, path, source, form)
    return problems


def syntax_problem(
    doc: Document, path: PathParts, source: str, exc: cel.ConditionSyntaxError
) -> LoadProblem:
    """Where the condition cannot be read and why, in the reader's language."""
    params = {"condition": source, "line": exc.line, "column": exc.column, "token": exc.token}
    if exc.problem == "unexpected":
        message = _(
            "the condition '%(condition)s' cannot be read: at line %(line)d, column %(column)d "
            "of the expression there is an unexpected '%(token)s'"
        )
    elif exc.problem == "end":
        message = _(
            "the condition '%(condition)s' cannot be read: the expression ends too early (line "
            "%(line)d, column %(column)d); something is missing at the end"
        )
    elif exc.problem == "missing":
        message = _(
            "the condition '%(condition)s' cannot be read: '%(token)s' is missing at line "
            "%(line)d, column %(column)d of the expression"
        )
    elif exc.problem == "unknown":
        message = _(
            "the condition '%(condition)s' cannot be read: '%(token)s' at line %(line)d, column "
            "%(column)d of the expression is not part of the condition language (compare with "
            "==, join with && and ||)"
        )
    elif exc.problem == "quote":
        message = _(
            "the condition '%(condition)s' cannot be read: the quote at line %(line)d, column "
            "%(column)d of the expression is never closed"
        )
    elif exc.line:
        message = _(
            "the condition '%(condition)s' cannot be read: there is a mistake at line %(line)d, "
            "column %(column)d of the expression"
        )
    else:
        message = _("the condition '%(condition)s' cannot be read")
    return _problem(doc, path, message, **params)


def _type_mismatches(
    doc: Document, path: PathParts, source: str, form: Mapping[str, Any]
) -> list[LoadProblem]:
    """Comparisons of a field with a literal it can never match (see :mod:`.condition_types`)."""
    problems = []
    for found in condition_types.mismatches(source, form):
        field = ".".join(found.path)
        literal = found.literal.text
        choices = ", ".join(_show(c) for c in found.field.choices or ())
        if found.not_a_choice:
            message = _(
                "the condition '%(condition)s' compares form.%(field)s with %(literal)s, which "
                "is not one of its values (%(choices)s), so the comparison always gives the same "
                "result"
            )
            problems.append(
                _problem(
                    doc,
                    path,
                    message,
                    condition=source,
                    field=field,
                    literal=literal,
                    choices=choices,
                )
            )
            continue
        message = _(
            "the condition '%(condition)s' compares form.%(field)s, %(field_type)s, with "
            "%(literal)s, which is %(literal_type)s; values of different types never match "
            "(conditions do not convert between them): compare it with %(expected)s"
        )
        problems.append(
            _problem(
                doc,
                path,
                message,
                condition=source,
                field=field,
                field_type=_field_kind(found.field, choices),
                literal=literal,
                literal_type=_literal_kind(found.literal.kind),
                expected=_expected(found.field, choices),
            )
        )
    return problems


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _field_kind(field: condition_types.FieldType, choices: str) -> str:
    if field.choices is not None and field.kind != condition_types.BOOL:
        return _("a choice field (values: %(choices)s)") % {"choices": choices}
    return {
        condition_types.TEXT: _("a text field"),
        condition_types.NUMBER: _("a number field"),
        condition_types.BOOL: _("a yes/no field (true or false)"),
        condition_types.LIST: _("a list"),
        condition_types.MAP: _("a group of fields"),
    }.get(field.kind or "", _("a field"))


def _literal_kind(kind: str) -> str:
    return {
        condition_types.TEXT: _("text"),
        condition_types.NUMBER: _("a number"),
        condition_types.BOOL: _("true or false"),
        condition_types.BYTES: _("bytes"),
    }.get(kind, _("a value of another type"))


def _expected(field: condition_types.FieldType, choices: str) -> str:
    if field.choices is not None and field.kind != condition_types.BOOL:
        return _("one of its values: %(choices)s") % {"choices": choices}
    return {
        condition_types.TEXT: _('text in quotes, e.g. "wood"'),
        condition_types.NUMBER: _("a number without quotes, e.g. 300.0"),
        condition_types.BOOL: _("true or false, without quotes, or use the field alone"),
    }.get(field.kind or "", _("a value of its type"))


# How the evaluator names the types of values, as a reader knows them.
def _type_name(name: str) -> str:
    return {
        "int": _("a whole number (int)"),
        "uint": _("a whole number (uint)"),
        "float": _("a decimal number (double)"),
        "double": _("a decimal number (double)"),
        "string": _("text"),
        "bool": _("true or false"),
        "bytes": _("bytes"),
        "list": _("a list"),
        "map": _("a map"),
        "null": _("null"),
    }.get(name, name)


def _trial_run(
    doc: Document, path: PathParts, source: str, form: Mapping[str, Any]
) -> list[LoadProblem]:
    """Evaluate once with a value of the right type in every field, to catch type mistakes.

    Only mistakes that do not depend on the answers are refused: operands or a function that
    do not go together, and a result that is not true or false. An error that depends on the
    values (a division by zero, a text that is no number) is left to the rule for run time:
    docs/services.md, section 6, "When a condition cannot be evaluated".
    """
    try:
        domain.condition_holds(source, domain.sample_form_data(form), form)
    except cel.ConditionEvaluationError as exc:
        if exc.problem == "operands" and exc.operation is not None:
            op, left, right = exc.operation
            numbers = {left, right} == {"int", "float"} or {left, right} == {"int", "double"}
            if numbers:
                message = _(
                    "the condition '%(condition)s' uses %(op)s between %(left)s and %(right)s; "
                    "conditions never convert between them: a number field holds a decimal "
                    "number, so write 2.0 rather than 2 beside it (an integer field holds whole "
                    "numbers: write 2 there)"
                )
            elif left == right:
                message = _(
                    "the condition '%(condition)s' uses %(op)s on %(left)s, which it does not "
                    "work on"
                )
            else:
                message = _(
                    "the condition '%(condition)s' uses %(op)s between %(left)s and %(right)s, "
                    "which do not mix; conditions never convert between types"
                )
            return [
                _problem(
                    doc,
                    path,
                    message,
                    condition=source,
                    op=op,
                    left=_type_name(left),
                    right=_type_name(right),
                )
            ]
        if exc.problem == "operands":
            message = _(
                "the condition '%(condition)s' combines values of different types (text with a "
                "number, or a whole number with a decimal one: write 300.0 for a number field); "
                "CEL never converts between them"
            )
            return [_problem(doc, path, message, condition=source)]
        if exc.problem == "function":
            message = _(
                "the condition '%(condition)s' calls a function on a value it does not take "
                "(e.g. size() of a number); check what each function reads"
            )
            return [_problem(doc, path, message, condition=source)]
        if exc.problem == "result":
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
