"""Load data elements, purposes, registries and agreements from YAML definition files.

All or nothing: every file is parsed and checked against its committed JSON Schema first, then
each kind is checked against the database in order (elements, purposes, registries,
agreements) inside one transaction. Any problem — named by file, path inside the file and
reason — rolls everything back. Loading the same files twice changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from yiwang.core.errors import LoadError, LoadProblem
from yiwang.exchange import constants, domain, hooks, policy
from yiwang.exchange.constants import AgreementState, ElementType, Storage
from yiwang.exchange.models import (
    DataElement,
    Purpose,
    Registry,
    RegistryField,
    RegistryRecord,
    SharingAgreement,
)
from yiwang.exchange.services import agreements as agreement_services
from yiwang.exchange.services._common import is_data_officer, record
from yiwang.exchange.types import AgreementTerms, ElementSpec, LegalBasis
from yiwang.identity.models import Department

# Shipped inside the package so an installed yiwang can load files; the same files are the
# committed contracts in the repository's schemas/ folder (a test keeps the two identical).
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {
    "elements": "data-element.schema.json",
    "registries": "registry.schema.json",
    "agreements": "agreement.schema.json",
}
# Top-level keys and the kind of file they make.
KEYS = {
    "elements": "elements",
    "registries": "registries",
    "purposes": "agreements",
    "agreements": "agreements",
}

# Format keys that make sense for each element type.
FORMAT_KEYS: dict[str, frozenset[str]] = {
    ElementType.STRING: frozenset({"pattern", "min_length", "max_length"}),
    ElementType.ENUM: frozenset({"enumeration"}),
    ElementType.INTEGER: frozenset({"minimum", "maximum"}),
    ElementType.DECIMAL: frozenset({"minimum", "maximum"}),
    ElementType.DATE: frozenset({"minimum", "maximum"}),
    ElementType.DATETIME: frozenset({"minimum", "maximum"}),
    ElementType.BOOLEAN: frozenset(),
}
LIVE_STATES = (AgreementState.REQUESTED, AgreementState.APPROVED, AgreementState.SUSPENDED)


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: ``2026-01-01`` stays a string, as the schemas expect."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / SCHEMAS[kind]).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def format_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _schema_reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "format" and error.validator_value == "regex":
        try:
            re.compile(error.instance)
        except re.error as exc:
            return f"not a valid regular expression: {exc}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra and allowed:
            return (
                f"unknown key(s) {', '.join(map(repr, extra))}; allowed: "
                f"{', '.join(sorted(allowed))}"
            )
    return error.message


@dataclass
class Document:
    file: str
    kind: str
    data: dict[str, Any]


@dataclass
class LoadReport:
    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    approved: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def note(self, kind: str, outcome: str, code: str) -> None:
        getattr(self, outcome).setdefault(kind, []).append(code)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.approved)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories become their *.yaml / *.yml files, recursively, sorted."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            out.append(path)
    return out


def parse(files: Iterable[Path]) -> tuple[list[Document], list[LoadProblem]]:
    docs: list[Document] = []
    problems: list[LoadProblem] = []
    for path in files:
        name = str(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
        except OSError as exc:
            problems.append(LoadProblem(name, "", f"cannot read the file: {exc.strerror}"))
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problems.append(
                LoadProblem(
                    name, "", f"not valid YAML: {where}{getattr(exc, 'problem', None) or exc}"
                )
            )
            continue
        if not isinstance(data, dict) or not data:
            problems.append(
                LoadProblem(
                    name,
                    "",
                    "expected a mapping with one of the keys "
                    "elements, registries, purposes, agreements",
                )
            )
            continue
        kinds = {KEYS.get(key) for key in data}
        if None in kinds:
            unknown = sorted(k for k in data if k not in KEYS)
            problems.append(
                LoadProblem(
                    name,
                    unknown[0],
                    "unknown top-level key; expected elements, registries, purposes or agreements",
                )
            )
            continue
        if len(kinds) > 1:
            problems.append(
                LoadProblem(
                    name,
                    "",
                    "a file holds one kind of definition: "
                    "elements, registries, or purposes and agreements",
                )
            )
            continue
        kind = kinds.pop()
        assert kind is not None
        errors = sorted(validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path))
        for error in errors:
            problems.append(
                LoadProblem(name, format_path(error.absolute_path), _schema_reason(error))
            )
        if not errors:
            docs.append(Document(name, kind, data))
    return docs, problems


def _items(docs: list[Document], key: str) -> Iterable[tuple[Document, str, dict[str, Any]]]:
    for doc in docs:
        for i, item in enumerate(doc.data.get(key, ())):
            yield doc, f"{key}[{i}]", item


def _duplicates(items: list[tuple[Document, str, dict[str, Any]]]) -> list[LoadProblem]:
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for doc, path, item in items:
        code = item["code"]
        if code in seen:
            first = seen[code]
            problems.append(
                LoadProblem(
                    doc.file,
                    f"{path}.code",
                    f"duplicate code {code!r} (first at {first[0]}: {first[1]})",
                )
            )
        else:
            seen[code] = (doc.file, path)
    return problems


def _texts(item: Mapping[str, Any], key: str) -> tuple[str, str]:
    value = item.get(key) or {}
    return value.get("zh", ""), value.get("en", "")


# --- Elements -------------------------------------------------------------------------------


def _element_problems(doc: Document, path: str, item: dict[str, Any]) -> list[LoadProblem]:
    problems = []
    kind = item["type"]
    fmt = item.get("format", {})

    def problem(where: str, reason: str) -> None:
        problems.append(LoadProblem(doc.file, f"{path}.{where}", reason))

    for key in sorted(set(fmt) - FORMAT_KEYS[kind]):
        problem(f"format.{key}", f"{key} does not apply to a {kind} element")
    values = [o["value"] for o in fmt.get("enumeration", ())]
    for j, value in enumerate(values):
        if value in values[:j]:
            problem(f"format.enumeration[{j}].value", f"duplicate value {value!r}")
    low, high = fmt.get("min_length"), fmt.get("max_length")
    if low is not None and high is not None and low > high:
        problem("format.min_length", f"min_length {low} is more than max_length {high}")
    spec = ElementSpec(code=item["code"], type=kind)
    bounds = {}
    for key in ("minimum", "maximum"):
        if key in fmt and key in FORMAT_KEYS[kind]:
            try:
                bounds[key] = domain._bound(spec, fmt[key])
            except domain.ValueInvalid as exc:
                problem(f"format.{key}", f"not a valid bound for a {kind} element: {exc}")
    if len(bounds) == 2 and bounds["minimum"] > bounds["maximum"]:
        problem("format.minimum", "minimum is more than maximum")
    existing = DataElement.objects.filter(code=item["code"]).first()
    if existing is not None and existing.type != kind:
        users = sorted(
            RegistryField.objects.filter(element=existing)
            .values_list("registry__code", flat=True)
            .distinct()
        )
        if users:
            problem(
                "type",
                f"cannot change from {existing.type} to {kind}: registries "
                f"{', '.join(users)} use this element",
            )
    return problems


def _element_fields(doc: Document, item: dict[str, Any]) -> dict[str, Any]:
    fmt = dict(item.get("format", {}))
    if "enumeration" in fmt:
        fmt["enumeration"] = [
            {"value": o["value"], "title_zh": o["title"]["zh"], "title_en": o["title"]["en"]}
            for o in fmt["enumeration"]
        ]
    description_zh, description_en = _texts(item, "description")
    return {
        "name_zh": item["name"]["zh"],
        "name_en": item["name"]["en"],
        "description_zh": description_zh,
        "description_en": description_en,
        "type": item["type"],
        "format": fmt,
        "classification": item["classification"],
        "personal": item["personal"],
        "source_file": doc.file,
    }


def _upsert(model: Any, code: str, values: dict[str, Any]) -> tuple[Any, str]:
    """Create or update by code; returns the object and created / updated / unchanged."""
    obj = model.objects.filter(code=code).first()
    if obj is None:
        return model.objects.create(code=code, **values), "created"
    # source_file alone changing (the same definition moved) is not a change worth a version.
    if all(getattr(obj, k) == v for k, v in values.items() if k != "source_file"):
        return obj, "unchanged"
    for k, v in values.items():
        setattr(obj, k, v)
    obj.save()
    return obj, "updated"


# --- Registries -----------------------------------------------------------------------------


def _registry_problems(doc: Document, path: str, item: dict[str, Any]) -> list[LoadProblem]:
    problems: list[LoadProblem] = []

    def problem(where: str, reason: str) -> None:
        problems.append(LoadProblem(doc.file, f"{path}.{where}" if where else path, reason))

    if not Department.objects.filter(code=item["department"]).exists():
        problem("department", f"no department with the code {item['department']!r}")
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in=[f["element"] for f in item["fields"]])
    }
    names: dict[str, str] = {}
    for j, f in enumerate(item["fields"]):
        name = f.get("name", f["element"])
        if f["element"] not in elements:
            problem(f"fields[{j}].element", f"unknown data element {f['element']!r}")
        if name in names:
            problem(f"fields[{j}].name", f"field {name!r} is declared twice")
        names[name] = f["element"]
    required = {f.get("name", f["element"]) for f in item["fields"] if f.get("required")}
    subject_field = item["subject"]["field"]
    record_key = item.get("record_key", subject_field)
    for where, name, what in (
        ("subject.field", subject_field, "subject"),
        ("record_key", record_key, "record key"),
    ):
        if name not in names:
            problem(where, f"the {what} field {name!r} is not one of the registry's fields")
        elif name not in required:
            problem(where, f"the {what} field {name!r} must be required: true")
        elif names[name] in elements and elements[names[name]].type != ElementType.STRING:
            problem(where, f"the {what} field {name!r} must be a string element")
    connector = item.get("connector")
    if item.get("storage") == Storage.REMOTE and isinstance(connector, dict):
        for where, reason in hooks.check_connector_config(
            connector, fields=list(names), subject_field=subject_field, record_key=record_key
        ):
            problem(f"connector.{where}" if where else "connector", reason)
    existing = Registry.objects.filter(code=item["code"]).first()
    if existing is None:
        return problems
    has_records = RegistryRecord.objects.filter(registry=existing).exists()
    if has_records:
        checks = (
            ("department", existing.department.code, item["department"]),
            ("subject.kind", existing.subject_kind, item["subject"]["kind"]),
            ("subject.field", existing.subject_field, subject_field),
            ("record_key", existing.record_key_field, record_key),
            ("storage", existing.storage, item.get("storage", Storage.HOSTED)),
        )
        for where, old, new in checks:
            if old != new:
                problem(where, f"cannot change from {old!r} to {new!r}: the registry holds records")
        old_elements = dict(existing.fields.values_list("name", "element__code"))
        for j, f in enumerate(item["fields"]):
            name = f.get("name", f["element"])
            if name in old_elements and old_elements[name] != f["element"]:
                problem(
                    f"fields[{j}].element",
                    f"cannot change the element of {name!r} from {old_elements[name]!r}: "
                    "the registry holds records",
                )
    old_names = set(existing.fields.values_list("name", flat=True))
    removed = old_names - set(names)
    if removed:
        for agreement in SharingAgreement.objects.filter(registry=existing, state__in=LIVE_STATES):
            used = sorted(removed & set(agreement.fields))
            if used:
                problem(
                    "fields",
                    f"field(s) {', '.join(used)} cannot be removed: agreement "
                    f"{agreement.code!r} uses them",
                )
    return problems


def _save_registry(doc: Document, item: dict[str, Any], report: LoadReport) -> None:
    description_zh, description_en = _texts(item, "description")
    values = {
        "name_zh": item["name"]["zh"],
        "name_en": item["name"]["en"],
        "description_zh": description_zh,
        "description_en": description_en,
        "department": Department.objects.get(code=item["department"]),
        "subject_kind": item["subject"]["kind"],
        "subject_field": item["subject"]["field"],
        "record_key_field": item.get("record_key", item["subject"]["field"]),
        "storage": item.get("storage", Storage.HOSTED),
        "connector": item.get("connector", {}),
        "is_active": True,
        "source_file": doc.file,
    }
    registry, outcome = _upsert(Registry, item["code"], values)
    wanted = [
        (f.get("name", f["element"]), f["element"], bool(f.get("required", False)), position)
        for position, f in enumerate(item["fields"])
    ]
    current = {
        rf.name: (rf.name, rf.element.code, rf.required, rf.position)
        for rf in registry.fields.select_related("element")
    }
    if {w[0]: w for w in wanted} != current:
        elements = {e.code: e for e in DataElement.objects.filter(code__in=[w[1] for w in wanted])}
        registry.fields.exclude(name__in=[w[0] for w in wanted]).delete()
        for name, element, required, position in wanted:
            RegistryField.objects.update_or_create(
                registry=registry,
                name=name,
                defaults={"element": elements[element], "required": required, "position": position},
            )
        outcome = "updated" if outcome == "unchanged" else outcome
    report.note("registries", outcome, item["code"])


# --- Agreements -----------------------------------------------------------------------------


def terms_from(item: Mapping[str, Any]) -> AgreementTerms:
    import datetime as dt

    conditions = item.get("conditions", {})
    basis = item["legal_basis"]
    return AgreementTerms(
        code=item["code"],
        name_zh=item["name"]["zh"],
        name_en=item["name"]["en"],
        consumer=item["consumer"],
        registry=item["registry"],
        fields=tuple(item["fields"]),
        purposes=tuple(item["purposes"]),
        legal_basis=LegalBasis(basis["zh"], basis["en"], basis.get("url", "")),
        sharing_class=item["sharing_class"],
        valid_from=dt.date.fromisoformat(item["valid_from"]),
        valid_until=dt.date.fromisoformat(item["valid_until"]) if item.get("valid_until") else None,
        requires_consent=bool(conditions.get("requires_consent", False)),
        requires_open_case=bool(conditions.get("requires_open_case", False)),
        roles=tuple(conditions.get("roles", ())),
        masking=dict(item.get("masking", {})),
        official_identity_restricted=bool(item.get("official_identity_restricted", False)),
    ).normalised()


def _approver(accounts: list[Any], department_id: int) -> Any:
    for account in accounts:
        if is_data_officer(account, department_id):
            return account
    return None


def _load_agreements(
    docs: list[Document], accounts: list[Any], actor: Any, report: LoadReport
) -> list[LoadProblem]:
    problems: list[LoadProblem] = []
    items = list(_items(docs, "agreements"))
    problems.extend(_duplicates(items))
    if problems:
        return problems
    for doc, path, item in items:
        terms = terms_from(item)
        found = [
            LoadProblem(doc.file, f"{path}.{where}", reason)
            for where, reason in agreement_services.check_terms(terms)
        ]
        if found:
            problems.extend(found)
            continue
        existing = (
            SharingAgreement.objects.select_related("consumer", "registry")
            .prefetch_related("purposes")
            .filter(code=terms.code)
            .first()
        )
        if existing is not None and existing.state != AgreementState.REQUESTED:
            if agreement_services.terms_of(existing) != terms:
                problems.append(
                    LoadProblem(
                        doc.file,
                        path,
                        f"agreement {terms.code!r} is already {existing.state} with different "
                        "terms; the terms of a decided agreement never change: revoke it and "
                        "load a new agreement under a new code",
                    )
                )
            else:
                report.note("agreements", "unchanged", terms.code)
            continue
        if existing is None:
            agreement = agreement_services.save_requested(terms, actor=actor, source_file=doc.file)
            report.note("agreements", "created", terms.code)
        elif agreement_services.terms_of(existing) != terms:
            agreement = agreement_services.save_requested(
                terms,
                actor=actor,
                requested_by=existing.requested_by,
                source_file=doc.file,
                existing=existing,
            )
            report.note("agreements", "updated", terms.code)
        else:
            agreement = existing
            report.note("agreements", "unchanged", terms.code)
        if not accounts:
            continue
        provider_id = agreement.registry.department_id
        approver = _approver(accounts, provider_id)
        if approver is None:
            names = ", ".join(a.get_username() for a in accounts)
            problems.append(
                LoadProblem(
                    doc.file,
                    path,
                    f"none of the --approve-as accounts ({names}) is a data officer of "
                    f"{agreement.registry.department.code!r}, which owns registry "
                    f"{agreement.registry.code!r}",
                )
            )
            continue
        agreement_services.approve_agreement(
            actor=approver, agreement=agreement.code, note=f"loaded from {doc.file}"
        )
        report.approved.append(agreement.code)
    return problems


# --- Entry point ----------------------------------------------------------------------------


def load_definitions(
    paths: Iterable[str | Path],
    *,
    actor: Any = None,
    approve_as: Iterable[str] = (),
    dry_run: bool = False,
) -> LoadReport:
    """Load definition files (or directories of them). Raises LoadError, changing nothing.

    ``approve_as`` names accounts that approve every agreement loaded (or still requested) on
    behalf of its provider: for each agreement one of them must be a data officer of the
    department owning the registry. Without it agreements are loaded as requested.
    ``dry_run`` checks everything, including against the database, and rolls back.
    """
    if actor is None:
        from yiwang.audit.actors import SYSTEM

        actor = SYSTEM
    files = expand(paths)
    if not files:
        raise LoadError([LoadProblem("", "", "no definition files given")])
    docs, problems = parse(files)
    usernames = list(dict.fromkeys(approve_as))
    accounts = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    for name in sorted(set(usernames) - {a.get_username() for a in accounts}):
        problems.append(LoadProblem("--approve-as", name, "no active account with this name"))
    if problems:
        raise LoadError(problems)
    by_kind = {kind: [d for d in docs if d.kind == kind] for kind in set(KEYS.values())}
    report = LoadReport(files=[str(f) for f in files])
    with transaction.atomic():
        # Elements.
        items = list(_items(by_kind["elements"], "elements"))
        problems = _duplicates(items)
        for doc, path, item in items:
            problems.extend(_element_problems(doc, path, item))
        if problems:
            raise LoadError(problems)
        for doc, _path, item in items:
            _obj, outcome = _upsert(DataElement, item["code"], _element_fields(doc, item))
            report.note("elements", outcome, item["code"])
        # Purposes.
        items = list(_items(by_kind["agreements"], "purposes"))
        problems = _duplicates(items)
        if problems:
            raise LoadError(problems)
        for doc, _path, item in items:
            description_zh, description_en = _texts(item, "description")
            _obj, outcome = _upsert(
                Purpose,
                item["code"],
                {
                    "name_zh": item["name"]["zh"],
                    "name_en": item["name"]["en"],
                    "description_zh": description_zh,
                    "description_en": description_en,
                    "source_file": doc.file,
                },
            )
            report.note("purposes", outcome, item["code"])
        # Registries.
        items = list(_items(by_kind["registries"], "registries"))
        problems = _duplicates(items)
        for doc, path, item in items:
            problems.extend(_registry_problems(doc, path, item))
        if problems:
            raise LoadError(problems)
        for doc, _path, item in items:
            _save_registry(doc, item, report)
        if report.changed:
            # Registries and purposes are part of every process's cached snapshot.
            policy.bump()
        problems = _load_agreements(by_kind["agreements"], accounts, actor, report)
        if problems:
            raise LoadError(problems)
        if report.changed:
            record(
                actor=actor,
                action=constants.ACTION_DEFINITIONS_LOADED,
                object_type="exchange_definitions",
                object_id="",
                data={
                    "files": report.files,
                    "created": report.created,
                    "updated": report.updated,
                    "approved": report.approved,
                },
            )
        if dry_run:
            transaction.set_rollback(True)
    return report
