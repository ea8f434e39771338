"""Checking a service's form: a valid JSON Schema, field names and keywords, pages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yiwang.catalogue import domain
from yiwang.catalogue.constants import FIELD_EXTENSIONS, FIELD_FORMATS
from yiwang.catalogue.validation._common import _dict, _is_dict, _list, _problem, _unique_codes
from yiwang.core.definition_files import Document, PathParts, format_checker, format_path
from yiwang.core.errors import LoadProblem

# Words CEL reserves: a field called ``in`` could never be read as ``form.in``.
CEL_RESERVED = frozenset(
    {
        "as",
        "break",
        "const",
        "continue",
        "else",
        "false",
        "for",
        "function",
        "if",
        "import",
        "in",
        "let",
        "loop",
        "package",
        "namespace",
        "null",
        "return",
        "true",
        "var",
        "void",
        "while",
    }
)


def _check_form(doc: Document, form: dict[str, Any]) -> list[LoadProblem]:
    if not form:
        return []
    problems = []
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=format_checker())
    for error in meta.iter_errors(form):
        message = _("not a valid JSON Schema (Draft 2020-12): %(error)s")
        problems.append(
            _problem(doc, ("form", *error.absolute_path), message, error=_meta_reason(error))
        )
    problems += _check_refs(doc, form)
    fields = domain.form_fields(form)
    for name, schema in fields.items():
        problems += _check_field(doc, ("form", "properties", name), name, schema)
    for index, name in enumerate(_list(form.get("required"))):
        if isinstance(name, str) and name not in fields:
            message = _("'%(name)s' is not a field of the form (form.properties)")
            problems.append(_problem(doc, ("form", "required", index), message, name=name))
    problems += _check_pages(doc, form, fields)
    problems += _check_rules(doc, form, fields)
    return problems


# Keywords a form's rules may hold (beside ``then``, ``else`` and in ``allOf``); ``description``
# and ``$comment`` are notes for the people who read the file.
_RULE_KEYWORDS = ("required", "dependentRequired", "if", "then", "else", "allOf")
_RULE_NOTES = ("description", "$comment")
# Keywords that would make a whole form's answers valid or not in ways yiwang does not apply.
_NOT_APPLIED_TO_FORMS = ("anyOf", "oneOf", "not", "dependentSchemas")


def _check_rules(
    doc: Document, form: dict[str, Any], fields: Mapping[str, Any]
) -> list[LoadProblem]:
    """Fields required only when another answer is given: ``dependentRequired``, ``if`` with
    ``then``/``else`` and ``allOf`` (see :func:`yiwang.catalogue.domain.conditionally_required`)
    may name only fields of the form, and hold nothing yiwang would silently not apply."""
    problems = []
    for key in _NOT_APPLIED_TO_FORMS:
        if key in form:
            message = _(
                "'%(key)s' is not applied to a whole form; to make fields required only when "
                "another answer is given, use if/then with required, or dependentRequired"
            )
            problems.append(_problem(doc, ("form", key), message, key=key))
    return problems + _check_rule(doc, ("form",), form, fields, top=True)


def _check_rule(
    doc: Document, path: PathParts, rule: Any, fields: Mapping[str, Any], *, top: bool = False
) -> list[LoadProblem]:
    if not _is_dict(rule):
        return []
    problems = []
    if not top:
        for key in rule:
            if key not in _RULE_KEYWORDS and key not in _RULE_NOTES:
                message = _(
                    "'%(key)s' cannot be used here: a rule of the form holds only %(known)s; a "
                    "rule about the answer to one field goes on the field (form.properties)"
                )
                problems.append(
                    _problem(doc, (*path, key), message, key=key, known=", ".join(_RULE_KEYWORDS))
                )
        problems += _unknown_fields(doc, (*path, "required"), rule.get("required"), fields)
    deps = rule.get("dependentRequired")
    if _is_dict(deps):
        for trigger, names in deps.items():
            where = (*path, "dependentRequired", trigger)
            if trigger not in fields:
                message = _("'%(name)s' is not a field of the form (form.properties)")
                problems.append(_problem(doc, where, message, name=trigger))
            problems += _unknown_fields(doc, where, names, fields)
    if "if" in rule:
        if "then" not in rule and "else" not in rule:
            message = _("an if needs a then (or an else) beside it, listing the fields it requires")
            problems.append(_problem(doc, (*path, "if"), message))
        problems += _check_if(doc, (*path, "if"), rule["if"], fields)
    for branch in ("then", "else"):
        if branch not in rule:
            continue
        if "if" not in rule:
            message = _("%(key)s needs an if beside it saying when it applies")
            problems.append(_problem(doc, (*path, branch), message, key=branch))
        problems += _check_rule(doc, (*path, branch), rule[branch], fields)
    for index, sub in enumerate(_list(rule.get("allOf"))):
        problems += _check_rule(doc, (*path, "allOf", index), sub, fields)
    return problems


def _unknown_fields(
    doc: Document, path: PathParts, names: Any, fields: Mapping[str, Any]
) -> list[LoadProblem]:
    message = _("'%(name)s' is not a field of the form (form.properties)")
    return [
        _problem(doc, (*path, index), message, name=name)
        for index, name in enumerate(_list(names))
        if isinstance(name, str) and name not in fields
    ]


def _check_if(
    doc: Document, path: PathParts, schema: Any, fields: Mapping[str, Any]
) -> list[LoadProblem]:
    """An ``if`` reads answers: the fields it names must exist, and a value it compares a
    choice with must be one of the choices (else the rule could never hold)."""
    if not _is_dict(schema):
        return []
    problems = _unknown_fields(doc, (*path, "required"), schema.get("required"), fields)
    for name, sub in _dict(schema.get("properties")).items():
        where = (*path, "properties", name)
        if name not in fields:
            message = _("'%(name)s' is not a field of the form (form.properties)")
            problems.append(_problem(doc, where, message, name=name))
            continue
        choices = _dict(fields[name]).get("enum")
        if not isinstance(choices, list) or not _is_dict(sub):
            continue
        asked: list[tuple[PathParts, Any]] = [(("const",), sub["const"])] if "const" in sub else []
        asked += [(("enum", i), v) for i, v in enumerate(_list(sub.get("enum")))]
        for part, value in asked:
            if value not in choices:
                message = _("%(value)s is not one of the values of '%(name)s' (%(choices)s)")
                problems.append(
                    _problem(
                        doc,
                        (*where, *part),
                        message,
                        value=_show(value),
                        name=name,
                        choices=", ".join(_show(c) for c in choices),
                    )
                )
    for combinator in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(_list(schema.get(combinator))):
            problems += _check_if(doc, (*path, combinator, index), sub, fields)
    if "not" in schema:
        problems += _check_if(doc, (*path, "not"), schema["not"], fields)
    return problems


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _meta_reason(error: ValidationError) -> str:
    if error.validator == "type":
        return _("must be of type %(type)s") % {"type": error.validator_value}
    return error.message


def _check_refs(doc: Document, form: dict[str, Any]) -> list[LoadProblem]:
    """Only references inside the form (``#/$defs/...``) that point at something."""
    problems = []

    def walk(node: Any, path: PathParts) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#/$defs/"):
                    message = _(
                        "a form may only refer to its own definitions, e.g. '#/$defs/address'"
                    )
                    problems.append(_problem(doc, (*path, "$ref"), message))
                elif domain.json_pointer(form, ref[1:]) is None:
                    message = _("'%(ref)s' points at nothing in the form")
                    problems.append(_problem(doc, (*path, "$ref"), message, ref=ref))
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(form, ("form",))
    return problems


def _check_field(
    doc: Document, path: PathParts, name: str, schema: Any, nested: bool = False
) -> list[LoadProblem]:
    if not _is_dict(schema):
        return []
    problems = []
    if name in CEL_RESERVED:
        message = _("'%(name)s' is a reserved word in conditions; choose another field name")
        problems.append(_problem(doc, path, message, name=name))
    problems += _check_field_keywords(doc, path, schema)
    problems += _check_prefill_place(doc, path, schema, nested)
    for sub_name, sub in domain.form_fields(schema).items():
        problems += _check_field(doc, (*path, "properties", sub_name), sub_name, sub, True)
    items = schema.get("items")
    if _is_dict(items):
        problems += _check_field_keywords(doc, (*path, "items"), items)
        problems += _check_prefill_place(doc, (*path, "items"), items, True)
        for sub_name, sub in domain.form_fields(items).items():
            sub_path = (*path, "items", "properties", sub_name)
            problems += _check_field(doc, sub_path, sub_name, sub, True)
    return problems


def _check_prefill_place(
    doc: Document, path: PathParts, schema: dict[str, Any], nested: bool
) -> list[LoadProblem]:
    """Registries fill a whole field with one value: not a list, a group, or a part of them."""
    if "x-prefill" not in schema:
        return []
    if nested:
        message = _(
            "x-prefill works only on a field of the form itself, not on a part of a list or a "
            "group; prefill a separate field instead"
        )
        return [_problem(doc, (*path, "x-prefill"), message)]
    if schema.get("type") in ("array", "object"):
        message = _(
            "x-prefill cannot fill a list or a group (type %(type)s); prefill a separate text, "
            "number or date field instead"
        )
        return [_problem(doc, (*path, "x-prefill"), message, type=schema.get("type"))]
    return []


def _check_field_keywords(
    doc: Document, path: PathParts, schema: dict[str, Any]
) -> list[LoadProblem]:
    problems = []
    for key in schema:
        if isinstance(key, str) and key.startswith("x-") and key not in FIELD_EXTENSIONS:
            message = _("unknown keyword '%(key)s'; yiwang reads %(known)s")
            problems.append(
                _problem(doc, (*path, key), message, key=key, known=", ".join(FIELD_EXTENSIONS))
            )
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt not in FIELD_FORMATS:
        message = _("unknown format '%(format)s'; use one of %(known)s")
        problems.append(
            _problem(doc, (*path, "format"), message, format=fmt, known=", ".join(FIELD_FORMATS))
        )
    titles = schema.get("x-enum-titles")
    if isinstance(titles, dict):
        problems += _check_enum_titles(doc, path, schema.get("enum"), titles)
    return problems


def _check_enum_titles(
    doc: Document, path: PathParts, enum: Any, titles: dict[str, Any]
) -> list[LoadProblem]:
    if not isinstance(enum, list):
        message = _("gives titles to values, but the field has no enum listing them")
        return [_problem(doc, (*path, "x-enum-titles"), message)]
    problems = []
    values = [v for v in enum if isinstance(v, str)]
    for value in values:
        if value not in titles:
            message = _("has no title for the value '%(value)s'")
            problems.append(_problem(doc, (*path, "x-enum-titles"), message, value=value))
    for value in titles:
        if value not in values:
            message = _("'%(value)s' is not one of the field's enum values")
            problems.append(_problem(doc, (*path, "x-enum-titles", value), message, value=value))
    if len(values) != len(enum):
        message = _("x-enum-titles needs every enum value to be text")
        problems.append(_problem(doc, (*path, "enum"), message))
    return problems


def _check_pages(
    doc: Document, form: dict[str, Any], fields: Mapping[str, Any]
) -> list[LoadProblem]:
    pages = _list(form.get("pages"))
    problems = _unique_codes(doc, ("form", "pages"), pages, "id")
    placed: dict[str, str] = {}
    for p_index, page in enumerate(pages):
        for f_index, name in enumerate(_list(_dict(page).get("fields"))):
            if not isinstance(name, str):
                continue
            path = ("form", "pages", p_index, "fields", f_index)
            if name not in fields:
                message = _("'%(name)s' is not a field of the form (form.properties)")
                problems.append(_problem(doc, path, message, name=name))
            elif name in placed:
                message = _(
                    "'%(name)s' is already on a page, at %(first)s; put each field on one page"
                )
                problems.append(_problem(doc, path, message, name=name, first=placed[name]))
            else:
                placed[name] = format_path(path)
    if pages:
        for name in fields:
            if name not in placed:
                message = _("is on no page; add it to the fields of one of form.pages")
                problems.append(_problem(doc, ("form", "properties", name), message))
    return problems
