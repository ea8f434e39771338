"""Registry definitions: checking each one against the database, saving it with its fields."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.definition_files import PathParts, close_codes
from yiwang.core.errors import LoadProblem
from yiwang.exchange import hooks
from yiwang.exchange.constants import AgreementState, ElementType, Storage
from yiwang.exchange.loaders._common import LoadReport, texts, upsert
from yiwang.exchange.loaders.files import Document
from yiwang.exchange.models import (
    DataElement,
    Registry,
    RegistryField,
    RegistryRecord,
    SharingAgreement,
)
from yiwang.identity.models import Department

LIVE_STATES = (AgreementState.REQUESTED, AgreementState.APPROVED, AgreementState.SUSPENDED)


def registry_problems(doc: Document, path: PathParts, item: dict[str, Any]) -> list[LoadProblem]:
    problems: list[LoadProblem] = []

    def problem(where: PathParts, reason: str) -> None:
        problems.append(doc.problem((*path, *where), reason))

    if not Department.objects.filter(code=item["department"]).exists():
        message = _("no department with the code '%(code)s'") % {"code": item["department"]}
        known = Department.objects.values_list("code", flat=True)
        problem(("department",), message + close_codes(item["department"], known))
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in=[f["element"] for f in item["fields"]])
    }
    names: dict[str, str] = {}
    first_at: dict[str, int] = {}
    for j, f in enumerate(item["fields"]):
        name = f.get("name", f["element"])
        if f["element"] not in elements:
            message = _("unknown data element '%(code)s'")
            problem(("fields", j, "element"), message % {"code": f["element"]})
        if name in names:
            message = _("field '%(name)s' is declared twice (first at fields[%(first)d])")
            problem(("fields", j, "name"), message % {"name": name, "first": first_at[name]})
        else:
            first_at[name] = j
        names[name] = f["element"]
    required = {f.get("name", f["element"]) for f in item["fields"] if f.get("required")}
    subject_field = item["subject"]["field"]
    record_key = item.get("record_key", subject_field)
    for where, name, messages in (
        (
            ("subject", "field"),
            subject_field,
            (
                _("the subject field '%(name)s' is not one of the registry's fields"),
                _("the subject field '%(name)s' must be required: true"),
                _("the subject field '%(name)s' must be a string element"),
            ),
        ),
        (
            ("record_key",),
            record_key,
            (
                _("the record key field '%(name)s' is not one of the registry's fields"),
                _("the record key field '%(name)s' must be required: true"),
                _("the record key field '%(name)s' must be a string element"),
            ),
        ),
    ):
        if name not in names:
            problem(where, messages[0] % {"name": name})
        elif name not in required:
            problem(where, messages[1] % {"name": name})
        elif names[name] in elements and elements[names[name]].type != ElementType.STRING:
            problem(where, messages[2] % {"name": name})
    connector = item.get("connector")
    if item.get("storage") == Storage.REMOTE and isinstance(connector, dict):
        for where_text, reason in hooks.check_connector_config(
            connector, fields=list(names), subject_field=subject_field, record_key=record_key
        ):
            if where_text:
                problems.append(doc.problem_below((*path, "connector"), where_text, reason))
            else:
                problem(("connector",), reason)
    existing = Registry.objects.filter(code=item["code"]).first()
    if existing is None:
        return problems
    has_records = RegistryRecord.objects.filter(registry=existing).exists()
    if has_records:
        checks: tuple[tuple[PathParts, str, str], ...] = (
            (("department",), existing.department.code, item["department"]),
            (("subject", "kind"), existing.subject_kind, item["subject"]["kind"]),
            (("subject", "field"), existing.subject_field, subject_field),
            (("record_key",), existing.record_key_field, record_key),
            (("storage",), existing.storage, item.get("storage", Storage.HOSTED)),
        )
        for place, old, new in checks:
            if old != new:
                message = _("cannot change from '%(old)s' to '%(new)s': the registry holds records")
                problem(place, message % {"old": old, "new": new})
        old_elements = dict(existing.fields.values_list("name", "element__code"))
        for j, f in enumerate(item["fields"]):
            name = f.get("name", f["element"])
            if name in old_elements and old_elements[name] != f["element"]:
                message = _(
                    "cannot change the element of '%(name)s' from '%(old)s': "
                    "the registry holds records"
                )
                problem(
                    ("fields", j, "element"),
                    message % {"name": name, "old": old_elements[name]},
                )
    old_names = set(existing.fields.values_list("name", flat=True))
    removed = old_names - set(names)
    if removed:
        for agreement in SharingAgreement.objects.filter(registry=existing, state__in=LIVE_STATES):
            used = sorted(removed & set(agreement.fields))
            if used:
                message = _(
                    "field(s) %(fields)s cannot be removed: agreement '%(agreement)s' uses them"
                )
                problem(
                    ("fields",),
                    message % {"fields": ", ".join(used), "agreement": agreement.code},
                )
    return problems


def save_registry(doc: Document, item: dict[str, Any], report: LoadReport) -> None:
    description_zh, description_en = texts(item, "description")
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
    registry, outcome = upsert(Registry, item["code"], values)
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
