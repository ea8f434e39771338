"""Once-only prefill (一次告知): answers and materials the registries already hold.

A service definition marks a form field with ``x-prefill`` and a material with ``prefill``
(``docs/services.md`` section 4). When a draft starts, :func:`prefill_application` asks the
exchange for those values — one governed read per (department, registry, purpose, subject) — as
the department that owns the service, through the platform's own system of that department, for
the draft (``case_ref`` is the application's reference). The exchange audits each read and puts
it in the person's access log; nothing is read around it.

What the reads gave is kept in a :class:`PrefillSnapshot`. Nothing is used until the person sees
it and confirms (:func:`confirm_prefill`): the values then fill the form and are locked, and the
materials a registry stands in for need no upload. A value the person says is wrong
(:func:`report_prefill_error`) becomes a correction request to the registry's department and the
person answers that question themself. When a clerk's correction (补正) asks about a locked
answer, the person may answer it differently or report it the same way
(:func:`release_for_correction`). ``docs/adr/0010-prefill-reads.md`` explains the choices.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.applications import domain, workflow
from yiwang.applications.constants import ApplicationStatus
from yiwang.applications.models import Application, PrefillSnapshot
from yiwang.applications.types import ApplicationError, FormInvalid, IllegalTransition
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied

logger = logging.getLogger(__name__)

__all__ = [
    "APPLICANT",
    "Status",
    "application_reference",
    "check_open_case",
    "confirm_prefill",
    "fallback_message",
    "locked_fields",
    "may_report",
    "prefill_application",
    "prefillable_count",
    "release_for_correction",
    "report_prefill_error",
    "satisfied_materials",
]

APPLICANT = "applicant"


class Status:
    """What a prefill read gave for one field or material."""

    FOUND = "found"  # the registry's value is ready to use
    REFUSED = "refused"  # the exchange refused the read (no agreement, wrong purpose, ...)
    UNAVAILABLE = "unavailable"  # the registry could not be reached
    NOT_FOUND = "not_found"  # the registry holds no record (or no value) for the subject
    MASKED = "masked"  # the agreement only shares a masked value, which cannot be an answer
    UNUSABLE = "unusable"  # the value does not fit the question
    NO_SUBJECT = "no_subject"  # whose record to read is not known (yet)
    REPORTED = "reported"  # the person said the value is wrong
    REPLACED = "replaced"  # asked in a correction (补正), the person gave another answer


@dataclass(frozen=True)
class _Want:
    """One field or material a definition says a registry can answer."""

    kind: str  # "field" | "material"
    name: str
    department: str
    registry: str
    registry_field: str
    purpose: str
    subject: str
    # Registry value -> form value, for enums the two spell differently ("2" -> "female").
    values: tuple[tuple[str, Any], ...] = ()


def application_reference(application: Application) -> str:
    """The ``case_ref`` reads for this application carry: its receipt number once submitted."""
    return application.receipt_number or domain.draft_reference(application.pk)


# --- What the definitions ask -----------------------------------------------------------------


# The registry definitions one prefill has looked up: each is asked for once per prefill, not
# once per answer (every lookup checks that the cached definitions are current).
_registries: ContextVar[dict[str, Any] | None] = ContextVar("prefill_registries", default=None)


def _registry(code: str) -> Any:
    from yiwang.exchange import selectors as exchange

    memo = _registries.get()
    if memo is None:
        return exchange.registry_info(code)
    if code not in memo:
        memo[code] = exchange.registry_info(code)
    return memo[code]


def _registry_field(ref: Mapping[str, Any]) -> str | None:
    """The registry field a reference names, directly or through its data element."""
    if ref.get("field"):
        return str(ref["field"])
    info = _registry(str(ref.get("registry", "")))
    if info is None:
        return None
    holding = [name for name, f in info.fields.items() if f.element.code == ref.get("element")]
    return holding[0] if len(holding) == 1 else None


def _wants(application: Application) -> list[_Want]:
    spec, pinned = workflow.form_of(application)
    fields = spec.fields
    found: dict[tuple[str, str], _Want] = {}
    for service in pinned.values():
        definition = service.definition
        form_fields = dict(definition.get("form", {}).get("properties", {}))
        refs: list[tuple[str, str, Mapping[str, Any]]] = [
            ("field", name, schema["x-prefill"])
            for name, schema in form_fields.items()
            if isinstance(schema, Mapping) and "x-prefill" in schema and name in fields
        ]
        refs += [
            ("material", str(m["code"]), m["prefill"])
            for m in definition.get("materials", [])
            if "prefill" in m and spec.material(str(m["code"])) is not None
        ]
        for kind, name, ref in refs:
            if (kind, name) in found:
                continue  # the first service of a bundle that can answer it reads it
            registry_field = _registry_field(ref)
            if registry_field is None:
                continue  # the exchange no longer knows it: the person is asked, as without
            found[(kind, name)] = _Want(
                kind=kind,
                name=name,
                department=service.department_code,
                registry=str(ref["registry"]),
                registry_field=registry_field,
                purpose=str(ref["purpose"]),
                subject=str(ref.get("subject", APPLICANT)),
                values=tuple((str(k), v) for k, v in dict(ref.get("values") or {}).items()),
            )
    return [w for w in found.values() if _applies(w, application)]


def _applies(want: _Want, application: Application) -> bool:
    """A firm's record is asked for only when the person applies for a firm."""
    info = _registry(want.registry)
    if info is None:
        return False
    return not (
        want.subject == APPLICANT and info.subject_kind == "firm" and application.firm is None
    )


def _as_answer(want: _Want, value: Any, schema: Mapping[str, Any]) -> Any:
    """The registry's value as the form's question takes it."""
    if want.values:
        value = dict(want.values).get(str(value), value)
    if isinstance(value, str) and schema.get("type") in ("number", "integer", "boolean"):
        value = domain.coerce_answer(schema, value)
    return value


def record_day(entry: Mapping[str, Any]) -> dt.date | None:
    """The day a registry's record was current as of (an entry's ``as_of``), in the platform's
    time zone, as the applicant and the clerk are both shown it; None when it is not known."""
    text = entry.get("as_of")
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def prefillable_count(definition: Mapping[str, Any]) -> int:
    """How many answers and materials of one service definition a registry can provide."""
    fields = definition.get("form", {}).get("properties", {})
    return sum(1 for f in fields.values() if isinstance(f, Mapping) and "x-prefill" in f) + sum(
        1 for m in definition.get("materials", []) if "prefill" in m
    )


# --- Reading ----------------------------------------------------------------------------------


def _subject_of(
    want: _Want, application: Application, answers: Mapping[str, Any]
) -> tuple[str, str] | None:
    """(kind, id) of whose record to read, or None when it is not known."""
    info = _registry(want.registry)
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
    info = _registry(code)
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
    wants: list[_Want],
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
                value = _as_answer(want, value, spec.fields.get(want.name, {}))
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
    application: Application, wants: list[_Want], answers: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Read in rounds: a subject named by a form field may itself be filled by an earlier read
    (the mother's id from the applicant's population record)."""
    spec = workflow.form_of(application)[0]
    results: dict[tuple[str, str], dict[str, Any]] = {}
    pending = list(wants)
    known = dict(answers)
    while pending:
        groups: dict[tuple[str, str, str, tuple[str, str]], list[_Want]] = {}
        waiting: list[_Want] = []
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


def _draft_of(actor: Any, application: Application, *, lock: bool) -> Application:
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
        raise IllegalTransition(_("This application has been submitted and is no longer a draft."))
    return app


def prefill_application(*, actor: Any, application: Application) -> PrefillSnapshot | None:
    """Read what the registries hold for the draft's prefillable answers and materials.

    Each (department, registry, purpose, subject) is one exchange read, made before the draft is
    locked so a slow remote registry holds no row lock. Reading again replaces an unconfirmed
    snapshot; a confirmed one is returned as it is (the person already decided). Returns None,
    reading and writing nothing, when the definition names no registry.
    """
    memo = _registries.set({})
    try:
        app = _draft_of(actor, application, lock=False)
        existing = PrefillSnapshot.objects.filter(application=app).first()
        if existing is not None and existing.confirmed_at is not None:
            return existing
        wants = _wants(app)
        if not wants and existing is None:
            return None  # nothing in the definition comes from a registry: nothing to keep
        results = _read_all(app, wants, dict(app.form_data)) if wants else {}
    finally:
        _registries.reset(memo)
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
        app = _draft_of(actor, application, lock=True)
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


# --- Confirming and reporting -----------------------------------------------------------------


def confirm_prefill(*, actor: Any, application: Application) -> Application:
    """The person accepts the values shown: fill and lock them; count what they were spared.

    Idempotent: confirming twice changes nothing the second time.
    """
    with transaction.atomic():
        app = _draft_of(actor, application, lock=True)
        snapshot = PrefillSnapshot.objects.select_for_update().filter(application=app).first()
        if snapshot is None:
            raise ApplicationError(_("There is nothing to confirm: no official records were read."))
        if snapshot.confirmed_at is not None:
            return app
        answers = dict(app.form_data)
        locked = []
        for name, entry in sorted(snapshot.fields.items()):
            if entry.get("status") == Status.FOUND:
                answers[name] = entry["value"]
                locked.append(name)
        satisfied = sorted(
            code
            for code, entry in snapshot.materials.items()
            if entry.get("status") == Status.FOUND
        )
        snapshot.locked_fields = locked
        snapshot.satisfied_materials = satisfied
        snapshot.confirmed_at = clock.now()
        snapshot.save(update_fields=["locked_fields", "satisfied_materials", "confirmed_at"])
        app.form_data = answers
        app.fields_prefilled = len(locked)
        app.materials_prefilled = len(satisfied)
        app.updated_at = clock.now()
        app.save(
            update_fields=["form_data", "fields_prefilled", "materials_prefilled", "updated_at"]
        )
        workflow_record(
            actor=actor,
            action="applications.prefill_confirmed",
            application=app,
            data={"fields": locked, "materials": satisfied},
        )
    return app


def report_prefill_error(*, actor: Any, application: Application, field: str, note: str) -> Any:
    """The person says a registry's value is wrong: ask its department to correct the record,
    and let the person answer this question themself in this application."""
    with transaction.atomic():
        app = _draft_of(actor, application, lock=True)
        snapshot = PrefillSnapshot.objects.select_for_update().filter(application=app).first()
        entry = snapshot.fields.get(field) if snapshot is not None else None
        if snapshot is None or entry is None or entry.get("status") != Status.FOUND:
            raise ApplicationError(_("This answer did not come from an official record."))
        request = _report(actor=actor, app=app, entry=entry, note=note)
        _set_entry(snapshot, field, entry, Status.REPORTED, correction=request.pk)
        update = ["fields"]
        if field in snapshot.locked_fields:
            _unlock(snapshot, [field])
            update.append("locked_fields")
            answers = dict(app.form_data)
            answers.pop(field, None)
            app.form_data = answers
            app.fields_prefilled = len(snapshot.locked_fields)
            app.updated_at = clock.now()
            app.save(update_fields=["form_data", "fields_prefilled", "updated_at"])
        snapshot.save(update_fields=update)
        workflow_record(
            actor=actor,
            action="applications.prefill_reported",
            application=app,
            data={"field": field, "registry": entry["registry"], "correction": request.pk},
        )
    return request


def _report(*, actor: Any, app: Application, entry: Mapping[str, Any], note: str) -> Any:
    """A correction request to the registry's department for the record ``entry`` was read from."""
    from yiwang.exchange import services as exchange

    _kind, _sep, key = str(entry["subject"]).partition(":")
    return exchange.request_registry_correction(
        actor=actor,
        registry=entry["registry"],
        subject=key,
        field=entry["registry_field"],
        note=note,
        record_key=str(entry.get("record_key", "")),
        record_version=entry.get("version"),
        case_ref=application_reference(app),
    )


def _set_entry(
    snapshot: PrefillSnapshot, field: str, entry: Mapping[str, Any], status: str, **extra: Any
) -> None:
    """Mark a registry answer as not used: its provenance stays, its value goes."""
    fields = dict(snapshot.fields)
    fields[field] = {k: v for k, v in entry.items() if k != "value"} | {"status": status, **extra}
    snapshot.fields = fields


def _unlock(snapshot: PrefillSnapshot, names: Iterable[str]) -> None:
    gone = set(names)
    snapshot.locked_fields = [f for f in snapshot.locked_fields if f not in gone]


def may_report(*, actor: Any, application: Application, entry: Mapping[str, Any]) -> bool:
    """Whether ``actor`` may report this registry value as wrong: only the person the record is
    about (or someone acting for the firm applied for) may, not for someone a form field named
    (a mother's record) nor for a colleague's personal record."""
    from yiwang.identity import selectors as identity

    kind, _sep, key = str(entry.get("subject", "")).partition(":")
    if not key:
        return False
    if kind == "firm":
        return application.firm is not None and application.firm.uscc == key
    person = identity.person_for(actor)
    return person is not None and person.national_id == key


def release_for_correction(
    *,
    actor: Any,
    application: Application,
    correction: int,
    asked: Iterable[str],
    answers: Mapping[str, Any],
    reports: Mapping[str, str],
) -> dict[str, Any]:
    """A correction (补正) asked about answers confirmed from registries: free those the person
    answered differently or reported as wrong.

    Called by the correction's answer inside its transaction, with the application locked and
    ``answers`` its new answers. A reported value becomes a correction request to the registry's
    department, as "This is wrong" does on a draft. An answer left as the registry gave it, and
    not reported, stays locked. Sets ``application.fields_prefilled``; the caller saves it.
    Returns ``{"replaced": [field, ...], "reported": {field: registry correction id}}``.
    """
    snapshot = PrefillSnapshot.objects.select_for_update().filter(application=application).first()
    released: dict[str, Any] = {"replaced": [], "reported": {}}
    if snapshot is None or snapshot.confirmed_at is None:
        return released
    locked = [name for name in asked if name in snapshot.locked_fields]
    for name in locked:
        entry = snapshot.fields[name]
        note = (reports.get(name) or "").strip()
        if note:
            try:
                request = _report(actor=actor, app=application, entry=entry, note=note)
            except ValidationError as exc:
                raise FormInvalid(_("Some answers need fixing."), {name: exc.messages}) from exc
            _set_entry(snapshot, name, entry, Status.REPORTED, correction=request.pk,
                       case_correction=correction)  # fmt: skip
            released["reported"][name] = request.pk
            workflow_record(
                actor=actor,
                action="applications.prefill_reported",
                application=application,
                data={
                    "field": name,
                    "registry": entry["registry"],
                    "correction": request.pk,
                    "case_correction": correction,
                },
            )
        elif answers.get(name) != entry.get("value"):
            _set_entry(snapshot, name, entry, Status.REPLACED, case_correction=correction)
            released["replaced"].append(name)
            workflow_record(
                actor=actor,
                action="applications.prefill_replaced",
                application=application,
                data={"field": name, "registry": entry["registry"], "case_correction": correction},
            )
    gone = released["replaced"] + list(released["reported"])
    if gone:
        _unlock(snapshot, gone)
        snapshot.save(update_fields=["fields", "locked_fields"])
        application.fields_prefilled = len(snapshot.locked_fields)
    return released


# --- What other services and pages ask --------------------------------------------------------


def _snapshot(application: Application) -> PrefillSnapshot | None:
    try:
        return application.prefill
    except PrefillSnapshot.DoesNotExist:
        return None


def locked_fields(application: Application) -> dict[str, dict[str, Any]]:
    """The confirmed registry answers of an application, by field: value and provenance."""
    snapshot = _snapshot(application)
    if snapshot is None or snapshot.confirmed_at is None:
        return {}
    return {name: snapshot.fields[name] for name in snapshot.locked_fields}


def satisfied_materials(application: Application) -> dict[str, dict[str, Any]]:
    """The materials registry data stands in for (after the person confirmed), by code."""
    snapshot = _snapshot(application)
    if snapshot is None or snapshot.confirmed_at is None:
        return {}
    return {code: snapshot.materials[code] for code in snapshot.satisfied_materials}


def refuse_locked_changes(application: Application, data: Mapping[str, Any]) -> None:
    """Raise FormInvalid when ``data`` changes an answer that came from a registry."""
    locked = locked_fields(application)
    changed = [
        name
        for name, value in data.items()
        if name in locked and value not in (None, "") and value != locked[name].get("value")
    ] + [name for name, value in data.items() if name in locked and value in (None, "")]
    if changed:
        raise FormInvalid(
            _("Some answers come from official records and cannot be changed here."),
            {
                name: [
                    _(
                        "This answer comes from an official record. If it is wrong, report it "
                        "on the page that lists what we already know."
                    )
                ]
                for name in changed
            },
        )


def fallback_message(entry: Mapping[str, Any], registry_name: str) -> str:
    """Why the person has to answer a question a registry could have answered, in plain words."""
    status = entry.get("status")
    names = {"registry": registry_name}
    if status == Status.UNAVAILABLE:
        return _("%(registry)s could not be reached just now, so please answer this yourself.") % (
            names
        )
    if status == Status.NOT_FOUND:
        return _("%(registry)s holds no record of this for you, so please answer it yourself.") % (
            names
        )
    if status in (Status.REFUSED, Status.MASKED):
        return (
            _(
                "We are not allowed to use %(registry)s for this service, so please answer it "
                "yourself."
            )
            % names
        )
    if status == Status.UNUSABLE:
        return (
            _(
                "The value %(registry)s holds does not fit this question, so please answer it "
                "yourself."
            )
            % names
        )
    if status == Status.NO_SUBJECT:
        return _("We could not tell whose record to look up, so please answer this yourself.")
    if status == Status.REPORTED:
        return (
            _(
                "You told us the value in %(registry)s is wrong. We have asked them to check it; "
                "please give the right answer yourself."
            )
            % names
        )
    return ""


# --- The exchange's case checker --------------------------------------------------------------


def check_open_case(*, case_ref: str, subject_kind: str, subject_key: str, consumer: str) -> bool:
    """Whether ``case_ref`` is a live application (draft or submitted) of ``subject_key`` that
    involves the ``consumer`` department: it owns one of the application's services or handles
    one of its cases. The subject must be the applicant (or the firm applied for): a form field
    naming someone else does not open their records."""
    from yiwang.catalogue.models import ServiceVersion

    ref = (case_ref or "").strip()
    rows = Application.objects.select_related("applicant", "firm")
    if ref.startswith(domain.DRAFT_PREFIX):
        pk = domain.draft_pk(ref)
        if pk is None:
            return False
        app = rows.filter(pk=pk, status=ApplicationStatus.DRAFT).first()
    else:
        app = (
            rows.filter(receipt_number=ref)
            .filter(
                status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.CORRECTION_REQUESTED]
            )
            .first()
        )
    if app is None:
        return False
    if subject_kind == "firm":
        if app.firm is None or app.firm.uscc != subject_key:
            return False
    elif app.applicant.national_id != subject_key:
        return False
    pks = [int(pk) for pk in app.service_versions.values()]
    owners = set(
        ServiceVersion.objects.filter(pk__in=pks).values_list("department_code", flat=True)
    )
    if consumer in owners:
        return True
    return app.cases.filter(department__code=consumer).exists()
