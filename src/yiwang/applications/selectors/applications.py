"""Applications, their forms, answers confirmed from registries and files."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.models import Application, MaterialUpload
from yiwang.applications.selectors.access import (
    _applicant_filter,
    _is_staff,
    _staff_part,
    _step_roles,
    _visible_applications,
)
from yiwang.applications.types import MaterialRequirement
from yiwang.core.errors import PermissionDenied


def applications_for(*, actor: Any) -> QuerySet[Application]:
    """The actor's own applications and those of firms they may act for, newest first.

    Drafts are listed only to the person who started them. Staff get nothing here: their way in
    is the queue (:func:`tasks_for_queue`) and :func:`application_for`.
    """
    applicant = _applicant_filter(actor)
    if applicant is None:
        return Application.objects.none()
    return (
        Application.objects.filter(applicant)
        .select_related("service_version", "bundle_version", "firm")
        .order_by("-created_at", "-pk")
    )


def applications_by_reference(*, actor: Any, refs: Iterable[str]) -> dict[str, Application]:
    """The actor's own applications (or their firms') that case references name: a receipt
    number, or ``draft-<pk>`` for reads made while the application was a draft. A reference to
    anyone else's application matches nothing, and so says nothing about it."""
    refs = set(refs)
    drafts = {ref: pk for ref in refs if (pk := domain.draft_pk(ref)) is not None}
    numbers = refs - drafts.keys()
    if not refs:
        return {}
    rows = applications_for(actor=actor).filter(
        Q(receipt_number__in=numbers) | Q(pk__in=drafts.values())
    )
    by_pk = {app.pk: app for app in rows}
    found = {app.receipt_number: app for app in by_pk.values() if app.receipt_number in numbers}
    found.update({ref: by_pk[pk] for ref, pk in drafts.items() if pk in by_pk})
    return found


def application_for(
    *, actor: Any, receipt_number: str | None = None, pk: int | None = None
) -> Application:
    """One application by receipt number (typing slips like O/0 forgiven) or by pk.

    Visible to the applicant, to people who may act for its firm (once submitted), and to clerks
    of departments that hold a task or a case of it. Raises ``PermissionDenied`` otherwise or
    when there is none.
    """
    if (receipt_number is None) == (pk is None):
        raise ValueError("pass exactly one of receipt_number and pk")
    found: Application | None = None
    visible = _visible_applications(actor).select_related(
        "service_version", "bundle_version", "applicant", "firm"
    )
    if receipt_number is not None:
        number = domain.normalise_receipt_number(receipt_number)
        if number is not None:
            found = visible.filter(receipt_number=number).first()
    elif pk is not None:
        found = visible.filter(pk=pk).first()
    if found is None:
        raise PermissionDenied("no such application")
    return found


def application_form(*, application: Application) -> domain.FormSpec:
    """The form of an application as pinned: schema, pages in order, and (given the answers) the
    required fields and materials. Takes no actor: the caller already got the application through
    a selector."""
    return workflow.form_of(application)[0]


def uploads_for(*, actor: Any, application: Application) -> QuerySet[MaterialUpload]:
    """The current (not superseded) files of an application the actor may see.

    The applicant's side sees every file; staff only the files of the materials the services of
    their departments' cases ask for (for a bundle, not another department's files).
    """
    # Staff's departments, read once for both checks (the applicant's side needs none).
    departments = set(_step_roles(actor)) if _is_staff(actor) else None
    if not _visible_applications(actor, departments).filter(pk=application.pk).exists():
        return MaterialUpload.objects.none()
    files = MaterialUpload.objects.filter(application=application, superseded=False)
    if departments is not None:
        part = _staff_part(actor, application, departments)
        files = files.filter(material_code__in=sorted(part.materials))
    return files.order_by("material_code", "uploaded_at")


def materials_required(
    *, application: Application, part: domain.Part | None = None
) -> list[MaterialRequirement]:
    """The materials the application needs given its current answers, with the current files;
    with ``part``, only that part's materials.

    Takes no actor: the caller already got the application through a selector. Staff read it
    through :func:`~yiwang.applications.selectors.case_file_for`, which gives their part.
    """
    spec = workflow.form_of(application)[0]
    current = {
        u.material_code: u
        for u in MaterialUpload.objects.filter(application=application, superseded=False)
    }
    provided = prefill.satisfied_materials(application)
    return [
        MaterialRequirement.of(m, upload=current.get(m.code), provided_by=provided.get(m.code))
        for m in spec.materials_needed(application.form_data)
        if part is None or m.code in part.materials
    ]


def prefill_for(*, actor: Any, application: Application) -> Any:
    """The application's prefill snapshot (or None), for the applicant's side only."""
    from yiwang.applications.models import PrefillSnapshot

    if not _visible_applications(actor).filter(pk=application.pk).exists():
        return None
    if not workflow.is_applicant_side(actor, application):
        return None
    return PrefillSnapshot.objects.filter(application=application).first()


def locked_answers(*, application: Application) -> dict[str, Any]:
    """Answers confirmed from official records, by field: value, registry and its name, as-of
    time. They are shown, not asked. Takes no actor: the caller got the application through a
    selector (staff read theirs in :func:`~yiwang.applications.selectors.case_file_for`)."""
    return prefill.locked_fields(application)


def materials_for(*, actor: Any, upload: MaterialUpload | int) -> MaterialUpload:
    """One uploaded file, for serving it: only to the applicant's side and the case's clerks.

    Staff get only a file of a material that the service of a case their departments hold asks
    for: in a bundle, another department's file is refused like any other. Raises
    ``PermissionDenied`` for anyone else (and for a file that does not exist).
    """
    pk = upload.pk if isinstance(upload, MaterialUpload) else int(upload)
    departments = set(_step_roles(actor)) if _is_staff(actor) else None
    found = (
        MaterialUpload.objects.filter(
            pk=pk, application__in=_visible_applications(actor, departments).values("pk")
        )
        .select_related("application")
        .first()
    )
    if found is None:
        raise PermissionDenied("no such file")
    if (
        departments is not None
        and found.material_code not in _staff_part(actor, found.application, departments).materials
    ):
        raise PermissionDenied("no such file")
    return found
