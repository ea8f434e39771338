"""Reading the registries for a draft, through the exchange, into its prefill snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from yiwang.applications import domain, workflow
from yiwang.applications.constants import ApplicationStatus
from yiwang.applications.models import Application, PrefillSnapshot
from yiwang.applications.prefill.wants import (
    APPLICANT,
    Status,
    Want,
    application_reference,
    as_answer,
    registries_remembered,
    registry_info,
    wants_of,
)
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied


def _subject_of(
    want: Want, application: Application, answers: Mapping[str, Any]
) -> tuple[str, str] | None:
    """(kind, id) of whose record to read, or None when it is not known."""
    info = registry_info(want.registry)
    if info is None:
        return None
    if want.subject == APPLICANT:
        if info.subject_kind == "firm":
            return ("firm", application.firm.uscc) if application.firm is not None else None
        national_id = application.applicant.national_id
        return ("person", national_id) if national_id else None
    value = answers.get(want.subject)
    return (info.subject_kind, str(value)) if value else None


def _registry_names(code: str) -> dict[str, str]:
    info = registry_info(code)
    return {"zh": info.name_zh, "en": info.name_en} if info else {"zh": code, "en": code}


def _status_for_reason(reason: str) -> str:
    if reason == "registry_unavailable":
        return Status.UNAVAILABLE
    if reason == "unknown_subject":
        return Status.NOT_FOUND
    return Status.REFUSED


def _newest(records: Iterable[Any]) -> Any:
    """Of several records of one subject (certificates), the most recently updated."""
    return max(records, key=lambda r: (r.provenance.updated_at, r.provenance.record_key))


def _read_group(
    application: Application,
    wants: list[Want],
    subject: tuple[str, str],
    spec: domain.FormSpec,
) -> dict[tuple[str, str], dict[str, Any]]:
    from yiwang.exchange import services as exchange

    first = wants[0]
    requester = exchange.platform_requester(department=first.department)
    result = exchange.read(
        requester=requester,
        subject=subject[1],
        fields=[w.registry_field for w in wants],
        purpose=first.purpose,
        registry=first.registry,
        case_ref=application_reference(application),
    )
    names = _registry_names(first.registry)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    record = _newest(result.records) if result.allowed and result.records else None
    for want in wants:
        entry: dict[str, Any] = {
            "registry": want.registry,
            "registry_name": names,
            "registry_field": want.registry_field,
            "purpose": want.purpose,
            "department": want.department,
            "subject": f"{subject[0]}:{subject[1]}",
            "reason": result.reason,
        }
        if record is None:
            entry["status"] = (
                Status.NOT_FOUND if result.allowed else _status_for_reason(result.reason)
            )
        else:
            value = record.values.get(want.registry_field)
            if want.kind == "field" and value not in (None, ""):
                value = as_answer(want, value, spec.fields.get(want.name, {}))
            provenance = record.provenance
            entry.update(
                record_key=provenance.record_key,
                version=provenance.version,
                as_of=provenance.updated_at.isoformat(),
            )
            if record.masking.get(want.registry_field, "none") != "none":
                entry["status"] = Status.MASKED
            elif value is None or value == "":
                entry["status"] = Status.NOT_FOUND
            elif want.kind == "field" and domain.validate_answers(
                spec, {want.name: value}, fields=[want.name], required=[]
            ):
                entry["status"] = Status.UNUSABLE
            else:
                entry["status"] = Status.FOUND
                if want.kind == "field":
                    entry["value"] = value
        out[(want.kind, want.name)] = entry
    return out


def _read_all(
    application: Application, wants: list[Want], answers: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Read in rounds: a subject named by a form field may itself be filled by an earlier read
    (the mother's id from the applicant's population record)."""
    spec = workflow.form_of(application)[0]
    results: dict[tuple[str, str], dict[str, Any]] = {}
    pending = list(wants)
    known = dict(answers)
    while pending:
        groups: dict[tuple[str, str, str, tuple[str, str]], list[Want]] = {}
        waiting: list[Want] = []
        for want in pending:
            subject = _subject_of(want, application, known)
            if subject is None:
                waiting.append(want)
            else:
                key = (want.department, want.registry, want.purpose, subject)
                groups.setdefault(key, []).append(want)
        if not groups:
            break
        for (_dept, _registry, _purpose, subject), group in groups.items():
            got = _read_group(application, group, subject, spec)
            results.update(got)
            for (kind, name), entry in got.items():
                if kind == "field" and entry["status"] == Status.FOUND:
                    known.setdefault(name, entry["value"])
        pending = waiting
    for want in pending:
        results[(want.kind, want.name)] = {
            "registry": want.registry,
            "registry_name": _registry_names(want.registry),
            "registry_field": want.registry_field,
            "purpose": want.purpose,
            "department": want.department,
            "status": Status.NO_SUBJECT,
            "reason": "",
        }
    return results


def draft_of(actor: Any, application: Application, *, lock: bool) -> Application:
    if lock:
        app = workflow.lock_application(application.pk)
    else:
        app = (
            Application.objects.select_related(
                "applicant", "firm", "service_version", "bundle_version"
            )
            .defer(*workflow.VERSION_DEFINITIONS)
            .filter(pk=application.pk)
            .first()
        )
        if app is None:
            raise PermissionDenied("no such application")
    workflow.require_applicant(actor, app, own_only=True)
    if app.status != ApplicationStatus.DRAFT:
        raise workflow.not_a_draft(app)
    return app


def prefill_application(*, actor: Any, application: Application) -> PrefillSnapshot | None:
    """Read what the registries hold for the draft's prefillable answers and materials.

    Each (department, registry, purpose, subject) is one exchange read, made before the draft is
    locked so a slow remote registry holds no row lock. Reading again replaces an unconfirmed
    snapshot; a confirmed one is returned as it is (the person already decided). Returns None,
    reading and writing nothing, when the definition names no registry.
    """
    with registries_remembered():
        app = draft_of(actor, application, lock=False)
        existing = PrefillSnapshot.objects.filter(application=app).first()
        if existing is not None and existing.confirmed_at is not None:
            return existing
        wants = wants_of(app)
        if not wants and existing is None:
            return None  # nothing in the definition comes from a registry: nothing to keep
        results = _read_all(app, wants, dict(app.form_data)) if wants else {}
    fields = {name: entry for (kind, name), entry in results.items() if kind == "field"}
    materials = {name: entry for (kind, name), entry in results.items() if kind == "material"}
    values = {
        "fields": fields,
        "materials": materials,
        "locked_fields": [],
        "satisfied_materials": [],
        "created_at": clock.now(),
        "confirmed_at": None,
    }
    with transaction.atomic():
        app = draft_of(actor, application, lock=True)
        # Under the draft's lock nobody else writes its snapshot. One the person confirmed
        # meanwhile (another tab) stands; otherwise it is replaced, or made.
        snapshot = PrefillSnapshot.objects.filter(application=app).first()
        if snapshot is not None and snapshot.confirmed_at is not None:
            return snapshot
        if snapshot is None:
            snapshot = PrefillSnapshot(application=app)
        for name, value in values.items():
            setattr(snapshot, name, value)
        snapshot.save()
        workflow_record(
            actor=actor,
            action="applications.prefill_read",
            application=app,
            data={
                "fields": {k: v["status"] for k, v in sorted(fields.items())},
                "materials": {k: v["status"] for k, v in sorted(materials.items())},
            },
        )
    return snapshot


def workflow_record(*, actor: Any, action: str, application: Application, data: dict) -> None:
    from yiwang.audit.services import record_event

    record_event(
        actor=actor,
        action=action,
        obj=application,
        subjects=[s for s in (application.applicant, application.firm) if s is not None],
        data=data,
    )
