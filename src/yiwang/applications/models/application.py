"""The application (办件) a person fills in and submits once, and its lifecycle."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from yiwang.applications.constants import ApplicationKind, ApplicationOutcome, ApplicationStatus
from yiwang.applications.models._common import bilingual
from yiwang.core import clock
from yiwang.core.fsm import ConcurrentStateMachine


class Application(ConcurrentStateMachine, models.Model):
    # NULL until submitted: unique among the submitted, through a constraint (Meta) rather than
    # unique=True, which on PostgreSQL also builds a second index for LIKE searches nothing makes.
    receipt_number = models.CharField(  # noqa: DJ001  # NULL, not "", so drafts stay unique
        _("receipt number"), max_length=32, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices)
    service_version = models.ForeignKey(
        "catalogue.ServiceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    bundle_version = models.ForeignKey(
        "catalogue.BundleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # Service code -> ServiceVersion pk of every service the application may fan out into, pinned
    # when it starts (for a single service, just that one).
    service_versions = models.JSONField(default=dict)
    # No index of their own: app_applicant_idx and app_firm_idx begin with them.
    applicant = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    firm = models.ForeignKey(
        "identity.Firm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    form_data = models.JSONField(default=dict, blank=True)
    current_page = models.CharField(max_length=128, blank=True)
    status = FSMField(
        _("status"),
        default=ApplicationStatus.DRAFT,
        choices=ApplicationStatus.choices,
        protected=True,
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ApplicationOutcome.choices, blank=True
    )
    # The language the person used when they submitted; their messages are written in it.
    language = models.CharField(max_length=16, default="zh-hans")
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Reserved for the exchange's once-only measures: how many fields and materials the platform
    # filled in from registries instead of asking the person.
    fields_prefilled = models.PositiveIntegerField(default=0)
    materials_prefilled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("application")
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=ApplicationKind.SERVICE,
                        service_version__isnull=False,
                        bundle_version__isnull=True,
                    )
                    | Q(
                        kind=ApplicationKind.BUNDLE,
                        bundle_version__isnull=False,
                        service_version__isnull=True,
                    )
                ),
                name="application_pins_one_definition",
            ),
            models.UniqueConstraint(fields=["receipt_number"], name="app_receipt_number_unique"),
        ]
        indexes: ClassVar = [
            # "My applications" and the firm's applications, newest first.
            models.Index(fields=["applicant", "status", "created_at"], name="app_applicant_idx"),
            models.Index(fields=["firm", "status", "created_at"], name="app_firm_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"draft {self.pk}"

    @property
    def definition_version(self) -> Any:
        return self.service_version if self.kind == ApplicationKind.SERVICE else self.bundle_version

    @property
    def title(self) -> str:
        version = self.definition_version
        return bilingual(version.name_zh, version.name_en) if version is not None else ""

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    # -- lifecycle ----------------------------------------------------------------------------
    @transition(field=status, source=ApplicationStatus.DRAFT, target=ApplicationStatus.SUBMITTED)
    def submit(self) -> None:
        self.submitted_at = clock.now()

    @transition(
        field=status,
        source=ApplicationStatus.SUBMITTED,
        target=ApplicationStatus.CORRECTION_REQUESTED,
    )
    def await_correction(self) -> None:
        """A case of this application waits for the person's correction."""

    @transition(
        field=status,
        source=ApplicationStatus.CORRECTION_REQUESTED,
        target=ApplicationStatus.SUBMITTED,
    )
    def resume(self) -> None:
        """No case waits for a correction any more."""

    @transition(
        field=status, source=ApplicationStatus.SUBMITTED, target=ApplicationStatus.COMPLETED
    )
    def complete(self, outcome: str) -> None:
        self.outcome = outcome
        self.completed_at = clock.now()

    @transition(
        field=status,
        source=[
            ApplicationStatus.DRAFT,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.CORRECTION_REQUESTED,
        ],
        target=ApplicationStatus.WITHDRAWN,
    )
    def withdraw(self) -> None:
        self.outcome = ApplicationOutcome.WITHDRAWN
        self.withdrawn_at = clock.now()
