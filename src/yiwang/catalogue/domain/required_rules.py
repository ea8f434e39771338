"""Fields required only when another answer is given: the form's ``dependentRequired`` and
``if``/``then`` rules, standard JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from yiwang.catalogue.domain.form_data import inline_refs
from yiwang.catalogue.domain.formats import form_format_checker
from yiwang.catalogue.domain.versions import canonical_json

# A form may make fields required depending on the answers, the standard JSON Schema way, beside
# its ``properties``: ``dependentRequired`` (answering one field requires others), ``if`` with a
# ``then`` (and/or ``else``) listing ``required`` fields, and ``allOf`` holding several of these.
# They are read into a list of required fields for the answers so far, not handed to the
# validator as they stand: a page then asks only for the fields it shows, beside the field that
# is missing, and a page without the field is never blocked by it.


def conditionally_required(form: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> list[str]:
    """The fields the form's rules require for these answers, in the order the rules name them.

    Empty answers (``None``, blank text) count as not given, for ``if`` and ``dependentRequired``
    alike. The form's own ``required`` (asked whatever the answers) is not included.
    """
    if not isinstance(form, Mapping):
        return []
    given = {k: v for k, v in answers.items() if not _empty(v)}
    found: dict[str, None] = {}
    _collect_required(form, form, given, found, top=True)
    return list(found)


def _rules(form: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The form and every rule inside it: the ``then``/``else`` of an ``if``, the items of an
    ``allOf``, at any depth."""
    yield form
    for key in ("then", "else"):
        branch = form.get(key)
        if isinstance(branch, Mapping):
            yield from _rules(branch)
    for sub in _items(form.get("allOf")):
        if isinstance(sub, Mapping):
            yield from _rules(sub)


@dataclass(frozen=True)
class FormRules:
    """A form's rules as standard JSON Schema, gathered from wherever the form put them."""

    dependent_required: dict[str, list[str]]  # every dependentRequired, merged
    rules: list[dict[str, Any]]  # each if with its then/else


def form_rules(form: Mapping[str, Any] | None) -> FormRules:
    """The form's rules for someone else to apply: its ``dependentRequired`` (on the form and in
    its ``allOf``, at any depth) merged into one, and each ``if`` with its ``then``/``else``.

    A ``then``/``else`` stays as written, rules inside it included. References to the form's
    ``$defs`` are written out, so each rule can be read without the form.
    """
    if not isinstance(form, Mapping):
        return FormRules({}, [])
    dependent: dict[str, list[str]] = {}
    rules: list[dict[str, Any]] = []
    for part in _top_rules(form):
        deps = part.get("dependentRequired")
        if isinstance(deps, Mapping):
            for trigger, names in deps.items():
                needed = dependent.setdefault(str(trigger), [])
                needed += [str(n) for n in _items(names) if str(n) not in needed]
        if "if" in part:
            rule = {key: part[key] for key in ("if", "then", "else") if key in part}
            rules.append(inline_refs(rule, form, ()))
    return FormRules(dependent, rules)


def _top_rules(form: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The form and the items of its ``allOf``, at any depth: the rules that always apply."""
    yield form
    for sub in _items(form.get("allOf")):
        if isinstance(sub, Mapping):
            yield from _top_rules(sub)


def rule_fields(form: Mapping[str, Any] | None) -> list[str]:
    """The fields whose answers decide what the form's rules require (``if`` and the keys of
    ``dependentRequired``): like the fields conditions read, they decide the shape of a case."""
    if not isinstance(form, Mapping):
        return []
    found: dict[str, None] = {}
    for rule in _rules(form):
        deps = rule.get("dependentRequired")
        if isinstance(deps, Mapping):
            found.update(dict.fromkeys(str(k) for k in deps))
        if "if" in rule:
            found.update(dict.fromkeys(if_fields(rule["if"])))
    return list(found)


def sometimes_required(form: Mapping[str, Any] | None) -> list[str]:
    """The fields some answers make required (``then``/``else`` of a rule, the values of
    ``dependentRequired``), beyond the form's own ``required``: they are not simply optional."""
    if not isinstance(form, Mapping):
        return []
    found: dict[str, None] = {}
    for rule in _rules(form):
        deps = rule.get("dependentRequired")
        if isinstance(deps, Mapping):
            for needed in deps.values():
                found.update(dict.fromkeys(str(name) for name in _items(needed)))
        for key in ("then", "else"):
            branch = rule.get(key)
            if isinstance(branch, Mapping):
                found.update(dict.fromkeys(str(name) for name in _items(branch.get("required"))))
    always = set(_items(form.get("required")))
    return [name for name in found if name not in always]


def if_fields(schema: Any) -> list[str]:
    """The fields an ``if`` reads: its ``properties`` and ``required`` (also inside ``allOf``,
    ``anyOf``, ``oneOf`` and ``not``)."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if not isinstance(node, Mapping):
            return
        props = node.get("properties")
        if isinstance(props, Mapping):
            found.update(dict.fromkeys(str(k) for k in props))
        found.update(dict.fromkeys(str(n) for n in _items(node.get("required"))))
        deps = node.get("dependentRequired")
        if isinstance(deps, Mapping):
            found.update(dict.fromkeys(str(k) for k in deps))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in _items(node.get(key)):
                walk(sub)
        walk(node.get("not"))

    walk(schema)
    return list(found)


def _collect_required(
    rule: Mapping[str, Any],
    form: Mapping[str, Any],
    given: Mapping[str, Any],
    found: dict[str, None],
    *,
    top: bool = False,
) -> None:
    if not top:
        found.update(dict.fromkeys(str(n) for n in _items(rule.get("required"))))
    deps = rule.get("dependentRequired")
    if isinstance(deps, Mapping):
        for trigger, names in deps.items():
            if trigger in given:
                found.update(dict.fromkeys(str(n) for n in _items(names)))
    if "if" in rule:
        branch = rule.get("then") if _if_holds(rule["if"], form, given) else rule.get("else")
        if isinstance(branch, Mapping):
            _collect_required(branch, form, given, found)
    for sub in _items(rule.get("allOf")):
        if isinstance(sub, Mapping):
            _collect_required(sub, form, given, found)


def _if_holds(schema: Any, form: Mapping[str, Any], given: Mapping[str, Any]) -> bool:
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, Mapping):
        return False
    return _if_validator(canonical_json(inline_refs(schema, form, ()))).is_valid(dict(given))


@lru_cache(maxsize=512)
def _if_validator(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_text), format_checker=_form_format_checker())


@cache
def _form_format_checker() -> FormatChecker:
    return form_format_checker()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
