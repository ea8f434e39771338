"""What an application holds besides the answers: uploaded files and the registries' prefill."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.applications.models.application import Application
from yiwang.applications.models.casework import CorrectionRequest
from yiwang.core import clock

# --- Uploads ----------------------------------------------------------------------------------


class MaterialUpload(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="uploads")
    material_code = models.CharField(max_length=64)
    # Stored under a random name: the path says nothing about the person or the document.
    file = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)
    # A newer file for the same material replaced this one (kept for the record).
    superseded = models.BooleanField(default=False)
    correction = models.ForeignKey(
        CorrectionRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
    )

    class Meta:
        verbose_name = _("uploaded material")
        ordering: ClassVar = ["application_id", "material_code", "uploaded_at", "pk"]
        indexes: ClassVar = [
            models.Index(
                fields=["application", "material_code", "superseded"], name="upload_current_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material_code}: {self.original_name}"


# --- Prefill ----------------------------------------------------------------------------------


class PrefillSnapshot(models.Model):
    """What the registries said about the applicant when the platform prefilled the form.

    ``fields`` maps each form field that a definition says a registry can answer to what the read
    gave: the value and where it came from (registry, record, version, as of when), or why the
    person has to answer it themself (the registry refused, could not be reached, holds nothing,
    or the person reported the value as wrong). ``materials`` does the same for materials a
    registry can stand in for. Nothing here is used until the person confirms it
    (``confirmed_at``); ``locked_fields`` are then the answers the person cannot change in this
    application, because they are the registry's, not theirs.
    """

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="prefill"
    )
    fields = models.JSONField(default=dict, blank=True)
    materials = models.JSONField(default=dict, blank=True)
    locked_fields = models.JSONField(default=list, blank=True)
    satisfied_materials = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("prefill snapshot")

    def __str__(self) -> str:
        return f"prefill of {self.application_id}"
