"""What other services and pages ask about an application's prefill, and the exchange's check
that a case is open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from yiwang.applications import domain
from yiwang.applications.constants import ApplicationStatus
from yiwang.applications.models import Application, PrefillSnapshot
from yiwang.applications.prefill.wants import Status
from yiwang.applications.types import FormInvalid


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
