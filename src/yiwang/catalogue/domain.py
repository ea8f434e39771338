"""Pure functions over loaded definitions (plain dicts, exactly as stored in a version).

* the content hash that decides whether a loaded file is a new version;
* conditions: evaluating a CEL condition against a person's form data;
* fields required only when another answer is given (the form's ``dependentRequired`` and
  ``if``/``then`` rules, standard JSON Schema);
* the process: which stage waits for which, in what order stages run, the longest chain;
* what applies to one application: the steps and materials whose conditions hold;
* bundles: the merged form and material list of a 一件事 (:func:`merge_bundle`).

Nothing here reads the database, so the application side can call these with the versions it
keeps for a case.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from yiwang.core.cel import compile_condition
from yiwang.core.definition_files import format_checker

Definition = Mapping[str, Any]

# --- Versions ---------------------------------------------------------------------------------


def canonical_json(definition: Definition) -> str:
    """The one text of a definition: sorted keys, no spaces, Unicode kept as is."""
    return json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(definition: Definition) -> str:
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


# --- Form data and conditions -----------------------------------------------------------------


def form_fields(form: Mapping[str, Any] | None) -> dict[str, Any]:
    """The form's fields by name, each a JSON Schema with its references to the form's own
    definitions (``$ref: "#/$defs/address"``) written out in place.

    Everything that reads a field (the pages, answer checks, conditions, a bundle's merged
    form) then sees the whole field, and a bundle never mixes up two services' definitions of
    the same name. Keys beside a ``$ref`` (its ``x-title``, say) win over the definition's.
    """
    if not isinstance(form, Mapping):
        return {}
    props = form.get("properties")
    if not isinstance(props, Mapping):
        return {}
    if "$defs" not in form:  # references may point only into $defs (the loader checks)
        return dict(props)
    return {name: _inline_refs(field, form, ()) for name, field in props.items()}


def json_pointer(document: Any, pointer: str) -> Any:
    """The part of ``document`` a JSON Pointer (``/$defs/address``) names, or None."""
    if pointer == "":
        return document
    node = document
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _inline_refs(node: Any, form: Mapping[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline_refs(v, form, seen) for v in node]
    if not isinstance(node, Mapping):
        return node
    own = {k: _inline_refs(v, form, seen) for k, v in node.items() if k != "$ref"}
    ref = node.get("$ref")
    if not isinstance(ref, str) or ref in seen:
        return own  # no reference, or a definition inside itself: not followed again
    target = json_pointer(form, ref[1:]) if ref.startswith("#") else None
    if not isinstance(target, Mapping):
        return {**own, "$ref": ref}  # points at nothing or outside: the loader names it
    return {**_inline_refs(target, form, (*seen, ref)), **own}


def typed_form_data(schema: Mapping[str, Any] | None, data: Any) -> Any:
    """Give numbers the type their field declares, so conditions behave the same for 300 and 300.0.

    JSON has one kind of number; CEL has ints and doubles and never mixes them in arithmetic.
    A ``number`` field always reaches a condition as a double and an ``integer`` field as an int.
    Empty answers (``None``) are dropped: an empty field is absent.
    """
    if not isinstance(schema, Mapping):
        return data
    kind = schema.get("type")
    if isinstance(data, bool):
        return data
    if kind == "number" and isinstance(data, int | float):
        return float(data)
    if kind == "integer" and isinstance(data, float) and data.is_integer():
        return int(data)
    if kind == "object" and isinstance(data, Mapping):
        props = form_fields(schema)
        return {k: typed_form_data(props.get(k), v) for k, v in data.items() if v is not None}
    if kind == "array" and isinstance(data, list):
        return [typed_form_data(schema.get("items"), v) for v in data]
    return data


def condition_holds(
    condition: str | None, form_data: Mapping[str, Any], form_schema: Mapping[str, Any] | None
) -> bool:
    """True when there is no condition, or when it is true for this form data.

    A condition that reads a field the person left empty is false (see :mod:`yiwang.core.cel`);
    write ``!has(form.x)`` to ask for "x is empty".
    """
    if not condition:
        return True
    data = typed_form_data({"type": "object", **(form_schema or {})}, dict(form_data))
    return compile_condition(condition).evaluate(data)


def sample_form_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """A value of the right type for every field, to type-check a condition before it is used."""
    return {name: _sample(schema) for name, schema in form_fields(form).items()}


_SAMPLE_STRINGS = {
    "date": "2026-01-05",
    "date-time": "2026-01-05T09:00:00+08:00",
    "time": "09:00:00",
    "email": "someone@example.org",
    "uri": "https://example.org/",
}


def _sample(schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if kind == "string":
        return _SAMPLE_STRINGS.get(str(schema.get("format")), "text")
    if kind == "number":
        return 1.0
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return [_sample(schema.get("items"))]
    if kind == "object":
        return {name: _sample(sub) for name, sub in form_fields(schema).items()}
    return None


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_BANK_ACCOUNT = re.compile(r"^[0-9]{12,19}$")
_SPACES = re.compile(r"\s+")


def normalise_bank_account(raw: str) -> str:
    """A bank account number as written on a card ("6222 0000 1111 2222", full-width digits)
    as the digits alone. Whether they are 12 to 19 digits is the format check's business."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw))


def form_format_checker() -> FormatChecker:
    """Formats a form field may declare (``constants.FIELD_FORMATS``), all of them checked.

    Identifiers and bank accounts are checked the way people type them (spaces, full-width
    digits, a lower-case x): :func:`normalise_answer` stores them in their canonical form.
    """
    from yiwang.identity import domain as ids

    checker = format_checker()

    @checker.checks("national-id", raises=ids.IdentifierError)
    def _national_id(value: object) -> bool:
        return not isinstance(value, str) or bool(ids.normalise_national_id(value))

    @checker.checks("uscc", raises=ids.IdentifierError)
    def _uscc(value: object) -> bool:
        return not isinstance(value, str) or bool(ids.normalise_uscc(value))

    @checker.checks("cn-mobile")
    def _mobile(value: object) -> bool:
        return not isinstance(value, str) or _MOBILE.match(value) is not None

    @checker.checks("bank-account")
    def _bank_account(value: object) -> bool:
        return not isinstance(value, str) or bool(
            _BANK_ACCOUNT.match(normalise_bank_account(value))
        )

    return checker


def normalise_answer(schema: Any, value: Any) -> Any:
    """An answer in the canonical form its field's ``format`` asks for, parts of lists and
    groups included: ``national-id`` and ``uscc`` without spaces, in ASCII and upper case,
    ``bank-account`` without spaces. An identifier that is wrong even then is kept as typed, so
    the person sees what they wrote beside the message saying what is wrong.
    """
    from yiwang.identity import domain as ids

    if not isinstance(schema, Mapping):
        return value
    if isinstance(value, str):
        fmt = schema.get("format")
        try:
            if fmt == "national-id":
                return ids.normalise_national_id(value)
            if fmt == "uscc":
                return ids.normalise_uscc(value)
        except ids.IdentifierError:
            return value
        if fmt == "bank-account":
            return normalise_bank_account(value)
        return value
    if isinstance(value, list):
        return [normalise_answer(schema.get("items"), item) for item in value]
    if isinstance(value, Mapping):
        parts = form_fields(schema)
        return {k: normalise_answer(parts.get(k), v) for k, v in value.items()}
    return value


# --- Fields required only when another answer is given ----------------------------------------
#
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


def rule_fields(form: Mapping[str, Any] | None) -> list[str]:
    """The fields whose answers decide what the form's rules require (``if`` and the keys of
    ``dependentRequired``): like the fields conditions read, they decide the shape of a case."""
    if not isinstance(form, Mapping):
        return []
    found: dict[str, None] = {}

    def walk(rule: Any) -> None:
        if not isinstance(rule, Mapping):
            return
        deps = rule.get("dependentRequired")
        if isinstance(deps, Mapping):
            found.update(dict.fromkeys(str(k) for k in deps))
        if "if" in rule:
            found.update(dict.fromkeys(if_fields(rule["if"])))
        for key in ("then", "else"):
            walk(rule.get(key))
        for sub in _items(rule.get("allOf")):
            walk(sub)

    walk(form)
    return list(found)


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
    return _if_validator(canonical_json(_inline_refs(schema, form, ()))).is_valid(dict(given))


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


# --- The process ------------------------------------------------------------------------------


def stages(definition: Definition) -> list[Mapping[str, Any]]:
    process = definition.get("process")
    items = process.get("stages") if isinstance(process, Mapping) else None
    return [s for s in items if isinstance(s, Mapping)] if isinstance(items, list) else []


def stage_predecessors(definition: Definition) -> dict[str, tuple[str, ...]]:
    """For each stage, the stages it waits for.

    A stage without ``after`` waits for the stage listed just before it (the first stage starts
    when the case is accepted); ``after: [a, b]`` waits for both; ``after: []`` starts at once.
    """
    out: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for stage in stages(definition):
        sid = str(stage.get("id"))
        after = stage.get("after")
        if isinstance(after, list):
            out[sid] = tuple(str(a) for a in after)
        else:
            out[sid] = (previous,) if previous is not None else ()
        previous = sid
    return out


def find_cycle(predecessors: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One circle of stages waiting on each other (``[a, b, a]``), or ``None``."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for before in predecessors.get(node, ()):
            if before not in predecessors:
                continue
            if state.get(before) == 1:
                return [*path[path.index(before) :], before]
            if before not in state:
                found = visit(before)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in predecessors:
        if node not in state:
            found = visit(node)
            if found:
                # Report it in the order things happen: a waits for b means b runs first.
                return list(reversed(found))
    return None


def stage_layers(definition: Definition) -> list[list[str]]:
    """Stages grouped by when they can start: every stage of a layer waits only for earlier layers.

    Raises ``ValueError`` on a circle (the loader never stores one).
    """
    preds = stage_predecessors(definition)
    if find_cycle(preds):
        raise ValueError("the stages wait on each other in a circle")
    remaining = dict(preds)
    done: set[str] = set()
    layers: list[list[str]] = []
    while remaining:
        ready = [s for s, before in remaining.items() if all(b in done for b in before)]
        if not ready:
            raise ValueError("a stage waits for a stage that does not exist")
        layers.append(ready)
        done.update(ready)
        for s in ready:
            del remaining[s]
    return layers


def stage_days(stage: Mapping[str, Any]) -> int:
    """A stage lasts as long as its slowest step, since its steps run side by side."""
    days: list[int] = [
        s["promised_days"]
        for s in stage.get("steps", [])
        if isinstance(s, Mapping) and isinstance(s.get("promised_days"), int)
    ]
    return max(days, default=0)


def longest_chain(definition: Definition) -> tuple[int, list[str]]:
    """The working days of the slowest chain of stages, and that chain (every step applying)."""
    preds = stage_predecessors(definition)
    if find_cycle(preds):
        return 0, []
    days = {str(s.get("id")): stage_days(s) for s in stages(definition)}
    best: dict[str, tuple[int, list[str]]] = {}
    for layer in stage_layers(definition):
        for sid in layer:
            before = [best[b] for b in preds[sid] if b in best]
            total, chain = max(before, key=lambda t: t[0], default=(0, []))
            best[sid] = (total + days.get(sid, 0), [*chain, sid])
    return max(best.values(), key=lambda t: t[0], default=(0, []))


def steps_applying(
    definition: Definition, form_data: Mapping[str, Any]
) -> list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]]:
    """Each stage with the steps whose conditions hold for this form data (stages may be empty)."""
    form = definition.get("form")
    out = []
    for stage in stages(definition):
        steps = [
            step
            for step in stage.get("steps", [])
            if condition_holds(step.get("condition"), form_data, form)
        ]
        out.append((stage, steps))
    return out


@dataclass(frozen=True)
class MaterialNeed:
    material: Mapping[str, Any]
    optional: bool


def materials_needed(definition: Definition, form_data: Mapping[str, Any]) -> list[MaterialNeed]:
    """The materials to ask for, given the form data: those without a condition or whose holds."""
    form = definition.get("form")
    return [
        MaterialNeed(m, bool(m.get("optional", False)))
        for m in definition.get("materials", [])
        if condition_holds(m.get("condition"), form_data, form)
    ]


# --- Bundles ----------------------------------------------------------------------------------

# Keywords that only describe a field to people; two services may word a shared field differently.
_PRESENTATION = re.compile(r"^(x-.*|title|description|examples|default|\$comment)$")


def field_difference(a: Any, b: Any, where: str = "") -> str | None:
    """Why two field schemas cannot be asked as one field, or ``None`` when they can.

    They must agree on type, format and allowed values (``enum`` as a set), and so must their
    items and sub-fields. Other constraints may differ: the merged field must satisfy all of them.
    """
    label = where or _("the field")
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return None if a == b else _("%(label)s differs") % {"label": label}
    for key in ("type", "format"):
        if a.get(key) != b.get(key):
            message = _("%(label)s has %(key)s %(first)s in one and %(second)s in the other")
            return message % {
                "label": label,
                "key": key,
                "first": _show(a.get(key)),
                "second": _show(b.get(key)),
            }
    ea, eb = a.get("enum"), b.get("enum")
    if (ea is None) != (eb is None) or (
        ea is not None and {_key(v) for v in ea} != {_key(v) for v in eb or []}
    ):
        message = _("%(label)s allows %(first)s in one and %(second)s in the other")
        return message % {"label": label, "first": _show(ea), "second": _show(eb)}
    if a.get("type") == "array":
        items = _("the items of %(label)s") % {"label": label}
        found = field_difference(a.get("items", {}), b.get("items", {}), items)
        if found:
            return found
    if a.get("type") == "object":
        pa, pb = form_fields(a), form_fields(b)
        if set(pa) != set(pb):
            message = _("%(label)s has the sub-fields %(first)s in one and %(second)s in the other")
            return message % {
                "label": label,
                "first": ", ".join(sorted(pa)) or "-",
                "second": ", ".join(sorted(pb)) or "-",
            }
        for name in pa:
            found = field_difference(pa[name], pb[name], f"{label}.{name}")
            if found:
                return found
    return None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def _validation_part(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if not _PRESENTATION.match(k)}


@dataclass(frozen=True)
class BundleService:
    code: str
    condition: str | None
    definition: Definition


@dataclass(frozen=True)
class MergedField:
    name: str
    schema: dict[str, Any]
    services: tuple[str, ...]  # every service that asks for it, in bundle order
    required_by: tuple[str, ...]  # the services among them that require it


@dataclass(frozen=True)
class MaterialUse:
    service: str
    material: Mapping[str, Any]


@dataclass(frozen=True)
class MergedMaterial:
    code: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    file_types: tuple[Mapping[str, str], ...]
    max_size_mb: float
    uses: tuple[MaterialUse, ...]

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(u.service for u in self.uses)


@dataclass(frozen=True)
class MergedPage:
    id: str
    title: Mapping[str, str]
    fields: tuple[str, ...]
    service: str


@dataclass(frozen=True)
class Conflict:
    """Two services cannot share a field or material: which, where in each, and why."""

    kind: str  # "field" or "material"
    name: str
    first_service: str
    first_path: str
    second_service: str
    second_path: str
    reason: str


class MergeConflictError(ValueError):
    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__("; ".join(c.reason for c in conflicts))


@dataclass(frozen=True)
class BundleForm:
    """The one form and one material list of a bundle, with who asked for what."""

    code: str
    services: tuple[BundleService, ...]
    fields: dict[str, MergedField]
    pages: tuple[MergedPage, ...]
    materials: tuple[MergedMaterial, ...]
    _service_forms: dict[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    def schema(self) -> dict[str, Any]:
        """The merged form as a JSON Schema; ``required`` holds what every application needs.

        A field required only by a service with a condition is not in ``required``: use
        :meth:`required_fields` with the form data to get the full list for one application.
        """
        unconditional = {s.code for s in self.services if not s.condition}
        return {
            "type": "object",
            "properties": {name: copy.deepcopy(f.schema) for name, f in self.fields.items()},
            "required": [
                name for name, f in self.fields.items() if set(f.required_by) & unconditional
            ],
            "pages": [
                {"id": p.id, "title": dict(p.title), "fields": list(p.fields)} for p in self.pages
            ],
        }

    @cached_property
    def _condition_schema(self) -> dict[str, Any]:
        # Conditions only read the fields' types: no need for schema()'s defensive copies.
        return {"type": "object", "properties": {n: f.schema for n, f in self.fields.items()}}

    def services_applying(self, form_data: Mapping[str, Any]) -> list[str]:
        typed: Any = None  # typed once, for all the services' conditions
        applying = []
        for service in self.services:
            if service.condition:
                if typed is None:
                    typed = typed_form_data(self._condition_schema, dict(form_data))
                if not compile_condition(service.condition).evaluate(typed):
                    continue
            applying.append(service.code)
        return applying

    def required_fields(self, form_data: Mapping[str, Any]) -> list[str]:
        """What this application must answer: the fields a service that applies requires,
        whatever the answers or because of them (its form's ``if``/``then`` and
        ``dependentRequired`` rules)."""
        applying = self.services_applying(form_data)
        codes = set(applying)
        found = dict.fromkeys(name for name, f in self.fields.items() if set(f.required_by) & codes)
        for code in applying:
            for name in conditionally_required(self._service_forms.get(code), form_data):
                if name in self.fields:
                    found[name] = None
        return list(found)

    def materials_needed(self, form_data: Mapping[str, Any]) -> list[tuple[MergedMaterial, bool]]:
        """Each material to ask for once, and whether it is optional for this application.

        A shared material is needed when any applying service needs it (its own condition holds)
        and is optional only when every service that needs it calls it optional.
        """
        applying = set(self.services_applying(form_data))
        out = []
        for merged in self.materials:
            needing = [
                use
                for use in merged.uses
                if use.service in applying
                and condition_holds(
                    use.material.get("condition"), form_data, self._service_forms.get(use.service)
                )
            ]
            if needing:
                out.append((merged, all(bool(u.material.get("optional")) for u in needing)))
        return out


def merge_bundle(bundle: Definition, services: Mapping[str, Definition]) -> BundleForm:
    """Build a bundle's form: shared fields asked once, shared materials asked once.

    ``services`` maps each service code of the bundle to the definition to use. Raises
    :class:`MergeConflictError` listing every field or material two services disagree about.
    """
    entries = [
        BundleService(str(item["code"]), item.get("condition"), services[str(item["code"])])
        for item in bundle.get("services", [])
    ]
    merger = _Merger()
    for entry in entries:
        form = entry.definition.get("form", {})
        required = set(form.get("required", []))
        for name, schema in form_fields(form).items():
            merger.add_field(entry.code, name, schema, name in required)
        for page in form.get("pages", []):
            merger.add_page(entry.code, page)
        for index, material in enumerate(entry.definition.get("materials", [])):
            merger.add_material(entry.code, index, material)
    if merger.conflicts:
        raise MergeConflictError(merger.conflicts)
    return BundleForm(
        code=str(bundle.get("code")),
        services=tuple(entries),
        fields=merger.fields,
        pages=tuple(merger.pages),
        materials=tuple(merger.materials.values()),
        _service_forms={e.code: e.definition.get("form", {}) for e in entries},
    )


def _file_type_keys(file_types: Iterable[Mapping[str, str]]) -> set[tuple[str, str]]:
    return {(t["extension"], t["mime_type"]) for t in file_types}


class _Merger:
    """Collects the merged fields, pages and materials of a bundle, service by service."""

    def __init__(self) -> None:
        self.fields: dict[str, MergedField] = {}
        self.pages: list[MergedPage] = []
        self.materials: dict[str, MergedMaterial] = {}
        self.conflicts: list[Conflict] = []
        self._material_index: dict[tuple[str, str], int] = {}

    def add_field(self, service: str, name: str, schema: Mapping[str, Any], required: bool) -> None:
        if name not in self.fields:
            self.fields[name] = MergedField(
                name, copy.deepcopy(dict(schema)), (service,), (service,) if required else ()
            )
            return
        merged = self.fields[name]
        reason = field_difference(merged.schema, schema)
        if reason:
            path = f"form.properties.{name}"
            message = _("field '%(name)s': %(reason)s") % {"name": name, "reason": reason}
            self.conflicts.append(
                Conflict("field", name, merged.services[0], path, service, path, message)
            )
            return
        # Both services' rules must hold for the one answer: keep the first field and add the
        # other's validation keywords when they differ.
        combined = merged.schema
        extra = _validation_part(schema)
        if extra != _validation_part(combined) and extra not in combined.get("allOf", []):
            combined = {**combined, "allOf": [*combined.get("allOf", []), extra]}
        self.fields[name] = MergedField(
            name,
            combined,
            (*merged.services, service),
            (*merged.required_by, service) if required else merged.required_by,
        )

    def add_page(self, service: str, page: Mapping[str, Any]) -> None:
        """A service's page keeps only the fields no earlier service asked for."""
        placed = {f for p in self.pages for f in p.fields}
        remaining = tuple(
            f
            for f in page.get("fields", [])
            if f in self.fields and self.fields[f].services[0] == service and f not in placed
        )
        if remaining:
            self.pages.append(
                MergedPage(f"{service}.{page['id']}", page["title"], remaining, service)
            )

    def add_material(self, service: str, index: int, material: Mapping[str, Any]) -> None:
        code = str(material["code"])
        self._material_index[(service, code)] = index
        use = MaterialUse(service, material)
        if code not in self.materials:
            self.materials[code] = MergedMaterial(
                code,
                material["name"],
                material["description"],
                tuple(material["file_types"]),
                float(material["max_size_mb"]),
                (use,),
            )
            return
        merged = self.materials[code]
        accepted = _file_type_keys(material["file_types"])
        common = tuple(t for t in merged.file_types if (t["extension"], t["mime_type"]) in accepted)
        if not common:
            self.conflicts.append(self._material_conflict(merged, service, index, material))
            return
        self.materials[code] = MergedMaterial(
            code,
            merged.name,
            merged.description,
            common,
            min(merged.max_size_mb, float(material["max_size_mb"])),
            (*merged.uses, use),
        )

    def _material_conflict(
        self, merged: MergedMaterial, service: str, index: int, material: Mapping[str, Any]
    ) -> Conflict:
        # Name the earlier service that disagrees outright, if one does; otherwise the earlier
        # services together narrowed the choice to nothing this one accepts.
        accepted = _file_type_keys(material["file_types"])
        clash = next(
            (u for u in merged.uses if not accepted & _file_type_keys(u.material["file_types"])),
            merged.uses[-1],
        )
        first_index = self._material_index[(clash.service, merged.code)]
        message = _(
            "material '%(code)s': no file type is accepted by every service that asks for it "
            "(%(earlier)s accept %(earlier_types)s; %(service)s accepts %(types)s)"
        ) % {
            "code": merged.code,
            "earlier": ", ".join(merged.services),
            "earlier_types": _types(merged.file_types),
            "service": service,
            "types": _types(material["file_types"]),
        }
        return Conflict(
            "material",
            merged.code,
            clash.service,
            f"materials[{first_index}].file_types",
            service,
            f"materials[{index}].file_types",
            message,
        )


def _types(file_types: Iterable[Mapping[str, str]]) -> str:
    return ", ".join(t["extension"] for t in file_types)
