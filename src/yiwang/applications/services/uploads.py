"""The files a draft (or a correction) carries: checked, stored, replaced, removed."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.applications import domain, selectors, workflow
from yiwang.applications.constants import (
    ApplicationStatus,
    CorrectionStatus,
)
from yiwang.applications.models import (
    Application,
    CorrectionRequest,
    MaterialUpload,
)
from yiwang.applications.services._common import record, subjects_of
from yiwang.applications.types import (
    IllegalTransition,
    UploadRefused,
)
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied

logger = logging.getLogger(__name__)


_CHUNK = 64 * 1024


# The longest file name kept, as the column holds it.
NAME_LIMIT = 255


def shown_name(name: str) -> str:
    """The name a file is listed under: its own, or, past the column's length, its start and its
    extension with "…" between, so that the shortening shows and the type stays readable."""
    name = PurePath(name).name
    if len(name) <= NAME_LIMIT:
        return name
    suffix = PurePath(name).suffix
    suffix = suffix if len(suffix) <= 16 else ""
    return name[: NAME_LIMIT - len(suffix) - 1] + "…" + suffix


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def _check_file(material: domain.MaterialSpec, uploaded_file: UploadedFile) -> tuple[str, str]:
    """The content type and sha256 of an acceptable file; raises :class:`UploadRefused`."""
    name = uploaded_file.name or ""
    size = uploaded_file.size or 0
    if size <= 0:
        raise UploadRefused(_("The file %(name)s is empty.") % {"name": name})
    limit = int(material.max_size_mb * 1024 * 1024)
    if size > limit:
        raise UploadRefused(
            _("The file %(name)s is larger than %(limit)s MB.")
            % {"name": name, "limit": domain.format_number(material.max_size_mb)}
        )
    extension = _extension(name)
    allowed = [t for t in material.file_types if t["extension"] == extension]
    accepted = ", ".join(sorted({t["extension"] for t in material.file_types}))
    if not allowed:
        raise UploadRefused(
            _("The file %(name)s must be one of: %(types)s.") % {"name": name, "types": accepted}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(domain.SNIFF_BYTES)

    def whole() -> Any:
        uploaded_file.seek(0)
        return uploaded_file

    sniffed = domain.sniff_content_types(head, whole)
    matching = [t for t in allowed if t["mime_type"] in sniffed]
    if not matching:
        raise UploadRefused(
            _("The file %(name)s is not really a %(extension)s file. Save it again as %(types)s.")
            % {"name": name, "extension": extension, "types": accepted}
        )
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(_CHUNK):
        digest.update(chunk)
    uploaded_file.seek(0)
    return str(matching[0]["mime_type"]), digest.hexdigest()


def _store(uploaded_file: UploadedFile) -> str:
    # A random name under a dated folder: nothing in the path identifies the person or document.
    now = clock.now()
    path = f"applications/{now:%Y/%m}/{secrets.token_urlsafe(24)}"
    return str(default_storage.save(path, uploaded_file))


def save_upload(
    *,
    actor: Any,
    application: Application,
    material: domain.MaterialSpec,
    uploaded_file: UploadedFile,
    correction: CorrectionRequest | None,
    stored: list[str],
) -> MaterialUpload:
    content_type, sha256 = _check_file(material, uploaded_file)
    name = _store(uploaded_file)
    stored.append(name)
    application.uploads.filter(material_code=material.code, superseded=False).update(
        superseded=True
    )
    return MaterialUpload.objects.create(
        application=application,
        material_code=material.code,
        file=name,
        original_name=shown_name(uploaded_file.name or ""),
        content_type=content_type,
        size=uploaded_file.size or 0,
        sha256=sha256,
        uploaded_by=actor,
        correction=correction,
    )


def discard_files(stored: Iterable[str]) -> None:
    for name in stored:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - the file is an orphan; nothing refers to it
            logger.warning("could not delete the orphaned upload %s", name)


def add_upload(
    *,
    actor: Any,
    application: Application,
    material_code: str,
    uploaded_file: UploadedFile,
    correction: CorrectionRequest | None = None,
    data: Mapping[str, Any] | None = None,
) -> MaterialUpload:
    """Store a file for one material of a draft (or of an open correction that asks for it).

    A correction asks for the materials the clerk chose, and for those that the answers sent with
    the file (``data``, as :func:`~yiwang.applications.services.resubmit_correction` takes them)
    newly make needed and that have no file (see
    :func:`yiwang.applications.selectors.correction_scope`).

    The file must fit the material's size limit and one of its file types by extension *and* by
    content (the first bytes are checked: a ``.pdf`` must be a PDF). A new file for the same
    material supersedes the previous one, which is kept for the record. Raises
    :class:`~yiwang.applications.types.UploadRefused`.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            app = workflow.lock_application(application.pk)
            if correction is None:
                workflow.require_applicant(actor, app, own_only=True)
                if app.status != ApplicationStatus.DRAFT:
                    raise IllegalTransition(
                        _("Files can be added only to a draft or in answer to a correction.")
                    )
            else:
                workflow.require_applicant(actor, app)
                correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
                if correction.case.application_id != app.pk:
                    raise PermissionDenied("the correction is not of this application")
                if correction.status != CorrectionStatus.OPEN:
                    raise workflow.correction_closed(correction)
                if material_code not in correction.materials:
                    scope = selectors.correction_scope(
                        application=app, correction=correction, data=data or {}
                    )
                    if material_code not in scope.materials:
                        raise UploadRefused(
                            _(
                                "The correction does not ask for this material; it cannot be "
                                "changed."
                            )
                        )
            spec, _pinned = workflow.form_of(app)
            material = spec.material(material_code)
            if material is None:
                raise UploadRefused(
                    _("This form asks for no material %(code)s.") % {"code": material_code}
                )
            upload = save_upload(
                actor=actor,
                application=app,
                material=material,
                uploaded_file=uploaded_file,
                correction=correction,
                stored=stored,
            )
            record(
                actor=actor,
                action="applications.material_uploaded",
                obj=upload,
                subjects=subjects_of(app),
                data={
                    "application": app.pk,
                    "material": material_code,
                    "content_type": upload.content_type,
                    "size": upload.size,
                    "sha256": upload.sha256,
                    "correction": correction.pk if correction else None,
                },
            )
    except BaseException:
        discard_files(stored)
        raise
    return upload


def remove_upload(*, actor: Any, upload: MaterialUpload) -> None:
    """Take a file off a draft (marks it superseded; the file stays for the record)."""
    with transaction.atomic():
        app = workflow.lock_application(upload.application_id)
        workflow.require_applicant(actor, app, own_only=True)
        if app.status != ApplicationStatus.DRAFT:
            raise IllegalTransition(_("Files can be removed only from a draft."))
        changed = MaterialUpload.objects.filter(pk=upload.pk, superseded=False).update(
            superseded=True
        )
        if changed:
            record(
                actor=actor,
                action="applications.material_removed",
                obj=upload,
                subjects=subjects_of(app),
                data={"application": app.pk, "material": upload.material_code},
            )
