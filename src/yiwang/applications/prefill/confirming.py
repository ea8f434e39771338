"""The person confirms the values read, reports one as wrong, or answers it anew in a correction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.applications.models import Application, PrefillSnapshot
from yiwang.applications.prefill.reading import draft_of, workflow_record
from yiwang.applications.prefill.wants import Status, application_reference
from yiwang.applications.types import ApplicationError, FormInvalid
from yiwang.core import clock


def confirm_prefill(*, actor: Any, application: Application) -> Application:
    """The person accepts the values shown: fill and lock them; count what they were spared.

    Idempotent: confirming twice changes nothing the second time.
    """
    with transaction.atomic():
        app = draft_of(actor, application, lock=True)
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
        app = draft_of(actor, application, lock=True)
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
