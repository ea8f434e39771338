"""Every check a service or bundle file must pass before anything is stored.

The checks collect *all* problems of a run, each as file, path inside the file and reason. They
read nothing from the database themselves: the caller passes a :class:`Facts` with the departments
and the definitions already stored, so the checks are the same for ``load`` and ``validate``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yiwang.catalogue import domain
from yiwang.catalogue.constants import (
    FIELD_EXTENSIONS,
    FIELD_FORMATS,
    STEP_ROLES,
    Audience,
    DefinitionKind,
)
from yiwang.core import cel
from yiwang.core.definition_files import (
    Document,
    PathParts,
    format_checker,
    format_path,
    load_schema,
    schema_problems,
    validator_for,
)
from yiwang.core.errors import LoadProblem
from yiwang.identity.constants import Role

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SERVICE_SCHEMA = SCHEMA_DIR / "service-definition.schema.json"
BUNDLE_SCHEMA = SCHEMA_DIR / "bundle-definition.schema.json"

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


@dataclass(frozen=True)
class StoredDefinition:
    """What a run needs to know about a definition already in the database."""

    kind: str
    code: str
    version: int
    definition: Mapping[str, Any]
    source: str


@dataclass(frozen=True)
class ExchangeFacts:
    """What the exchange defines, for checking ``prefill`` references. ``registries`` maps each
    registry code to its fields (field name → data element code)."""

    registries: Mapping[str, Mapping[str, str]]
    elements: frozenset[str]
    purposes: frozenset[str]


@dataclass
class Facts:
    departments: Mapping[str, bool]  # code → is active
    # None while no exchange definitions are loaded: prefill is then checked for shape only, so
    # a catalogue can be loaded before (or without) the data exchange.
    exchange: ExchangeFacts | None = None
    stored: Mapping[str, StoredDefinition] = field(default_factory=dict)
    # Some files of the run could not be read, so a "missing" service may be in one of them.
    incomplete_run: bool = False


@dataclass
class Parsed:
    """One file that holds a service or bundle definition (maybe with mistakes)."""

    doc: Document
    kind: str
    code: str

    @property
    def definition(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def file(self) -> str:
        return self.doc.file


def _problem(doc: Document, where: PathParts, message: str, /, **params: Any) -> LoadProblem:
    """A problem whose reason is a translated message with ``%(name)s`` parameters."""
    return doc.problem(where, message % params if params else message)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


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


# --- Conditions -------------------------------------------------------------------------------


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


# --- Services ---------------------------------------------------------------------------------


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
    return problems


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
                if not ref.startswith("#"):
                    message = _(
                        "a form may only refer to its own definitions, e.g. '#/$defs/address'"
                    )
                    problems.append(_problem(doc, (*path, "$ref"), message))
                elif _pointer(form, ref[1:]) is None:
                    message = _("'%(ref)s' points at nothing in the form")
                    problems.append(_problem(doc, (*path, "$ref"), message, ref=ref))
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(form, ("form",))
    return problems


def _pointer(document: Any, pointer: str) -> Any:
    if pointer == "":
        return document
    node = document
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _check_field(doc: Document, path: PathParts, name: str, schema: Any) -> list[LoadProblem]:
    if not _is_dict(schema):
        return []
    problems = []
    if name in CEL_RESERVED:
        message = _("'%(name)s' is a reserved word in conditions; choose another field name")
        problems.append(_problem(doc, path, message, name=name))
    problems += _check_field_keywords(doc, path, schema)
    for sub_name, sub in domain.form_fields(schema).items():
        problems += _check_field(doc, (*path, "properties", sub_name), sub_name, sub)
    items = schema.get("items")
    if _is_dict(items):
        problems += _check_field_keywords(doc, (*path, "items"), items)
        for sub_name, sub in domain.form_fields(items).items():
            problems += _check_field(doc, (*path, "items", "properties", sub_name), sub_name, sub)
    return problems


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


def _check_materials(
    doc: Document, data: dict[str, Any], form: dict[str, Any]
) -> list[LoadProblem]:
    materials = _list(data.get("materials"))
    problems = _unique_codes(doc, ("materials",), materials, "code")
    for index, material in enumerate(materials):
        if "condition" in _dict(material):
            path = ("materials", index, "condition")
            problems += check_condition(doc, path, material["condition"], form)
    return problems


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


# --- Bundles ----------------------------------------------------------------------------------


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
                    message = _("the condition '%(condition)s' %(error)s")
                    problems.append(
                        _problem(
                            doc,
                            ("services", index, "condition"),
                            message,
                            condition=source,
                            error=exc,
                        )
                    )
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


# --- A whole run ------------------------------------------------------------------------------


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
