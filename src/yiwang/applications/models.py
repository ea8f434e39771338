"""Applications (办件), the cases they fan out into, departments' tasks, corrections and uploads.

* An :class:`Application` is what a person fills in and submits once. While it is a draft it is
  kept on the server, so the person can stop and come back. It keeps the catalogue versions it
  started with: a later publication changes nothing for it.
* On submission it fans out into one :class:`Case` per service (for a bundle, per service whose
  condition holds), each owned by the service's department and with its own deadlines.
* A case's steps become :class:`Task` rows, one per step, in the queue of the step's department.
* A clerk may ask for a correction (补正, :class:`CorrectionRequest`); while it is open the case's
  clock stands still.
* :class:`MaterialUpload` holds the files the person provided.

Each lifecycle is a django-fsm state machine whose state field cannot be assigned directly: a
change of state goes through a declared transition (or a refusal). The statuses of cases and
applications are never set by hand — :mod:`yiwang.applications.workflow` derives them from the
tasks. ``docs/workflow.md`` describes the rules for clerks and admins.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from yiwang.applications.constants import (
    ApplicationKind,
    ApplicationOutcome,
    ApplicationStatus,
    CaseOutcome,
    CaseStatus,
    CorrectionStatus,
    DeadlineState,
    Decision,
    TaskStatus,
)
from yiwang.core import clock
from yiwang.core.fsm import ConcurrentStateMachine


def _bilingual(zh: str, en: str) -> str:
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


# --- Application ------------------------------------------------------------------------------


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
        return _bilingual(version.name_zh, version.name_en) if version is not None else ""

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


# --- Case -------------------------------------------------------------------------------------


class Case(ConcurrentStateMachine, models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="cases")
    service_version = models.ForeignKey(
        "catalogue.ServiceVersion", on_delete=models.PROTECT, related_name="cases"
    )
    service_code = models.CharField(max_length=64)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    department = models.ForeignKey(  # indexed first in case_queue_idx
        "identity.Department", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)
    status = FSMField(
        _("status"), default=CaseStatus.IN_PROGRESS, choices=CaseStatus.choices, protected=True
    )
    accepted_at = models.DateTimeField(_("accepted at"))
    promised_days = models.PositiveSmallIntegerField()
    statutory_days = models.PositiveSmallIntegerField()
    # Promised (承诺) and statutory (法定) due dates; both move back by the working days the clock
    # was stopped for corrections.
    due_date = models.DateField(_("due date"))
    statutory_due_date = models.DateField(_("statutory due date"))
    # The first day on which the case counts as due soon / overdue (precomputed from the calendar
    # so the periodic job is a plain indexed query over a million cases).
    warning_date = models.DateField()
    overdue_date = models.DateField()
    deadline_state = models.CharField(
        max_length=16, choices=DeadlineState.choices, default=DeadlineState.ON_TIME
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=CaseOutcome.choices, blank=True)

    class Meta:
        verbose_name = _("case")
        ordering: ClassVar = ["application_id", "position"]
        indexes: ClassVar = [
            models.Index(fields=["department", "status", "due_date"], name="case_queue_idx"),
            models.Index(
                fields=["status", "deadline_state", "warning_date"], name="case_warning_idx"
            ),
            models.Index(
                fields=["status", "deadline_state", "overdue_date"], name="case_overdue_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} / {self.service_code}"

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    @property
    def is_decided(self) -> bool:
        return self.status in (CaseStatus.APPROVED, CaseStatus.REJECTED)

    # -- lifecycle ----------------------------------------------------------------------------
    @transition(field=status, source=CaseStatus.IN_PROGRESS, target=CaseStatus.CORRECTION_REQUESTED)
    def await_correction(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.CORRECTION_REQUESTED, target=CaseStatus.IN_PROGRESS)
    def resume(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.IN_PROGRESS, target=CaseStatus.APPROVED)
    def approve(self) -> None:
        self.outcome = CaseOutcome.APPROVED
        self.decided_at = clock.now()

    @transition(field=status, source=CaseStatus.IN_PROGRESS, target=CaseStatus.REJECTED)
    def reject(self) -> None:
        self.outcome = CaseOutcome.REJECTED
        self.decided_at = clock.now()

    @transition(
        field=status,
        source=[CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION_REQUESTED],
        target=CaseStatus.WITHDRAWN,
    )
    def withdraw(self) -> None:
        self.outcome = CaseOutcome.WITHDRAWN


# --- Task -------------------------------------------------------------------------------------


def _has_assignee(task: Any) -> bool:
    return task.assignee_id is not None


class Task(ConcurrentStateMachine, models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    service_code = models.CharField(max_length=64)
    stage_id = models.CharField(max_length=64)
    step_code = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    department = models.ForeignKey(  # indexed first in task_queue_idx
        "identity.Department", on_delete=models.PROTECT, related_name="tasks", db_index=False
    )
    role = models.CharField(max_length=32)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    promised_days = models.PositiveSmallIntegerField()
    status = FSMField(
        _("status"), default=TaskStatus.WAITING, choices=TaskStatus.choices, protected=True
    )
    assignee = models.ForeignKey(  # indexed first in task_assignee_idx
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
        db_index=False,
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    decision = models.CharField(max_length=32, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        ordering: ClassVar = ["case_id", "position"]
        indexes: ClassVar = [
            # The department queue: department + status, soonest (and so overdue) first, then by
            # id, the queue's exact order: a page is then the next rows of the index from the
            # previous page's last one, however many tasks share a due date.
            models.Index(fields=["department", "status", "due_date", "id"], name="task_queue_idx"),
            # "My tasks".
            models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case} / {self.step_code}"

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    # -- lifecycle ----------------------------------------------------------------------------
    @transition(field=status, source=TaskStatus.WAITING, target=TaskStatus.OPEN)
    def open(self) -> None:
        self.opened_at = clock.now()

    @transition(field=status, source=TaskStatus.OPEN, target=TaskStatus.CLAIMED)
    def claim(self, account: Any) -> None:
        self.assignee = account
        self.claimed_at = clock.now()

    @transition(
        field=status, source=[TaskStatus.OPEN, TaskStatus.CLAIMED], target=TaskStatus.CLAIMED
    )
    def assign(self, account: Any) -> None:
        self.assignee = account
        self.claimed_at = clock.now()

    @transition(
        field=status, source=TaskStatus.CLAIMED, target=TaskStatus.OPEN, conditions=[_has_assignee]
    )
    def release(self) -> None:
        self.assignee = None
        self.claimed_at = None

    @transition(field=status, source=TaskStatus.CLAIMED, target=TaskStatus.DONE)
    def decide(self, decision: str, reason: str, account: Any) -> None:
        self.decision = decision
        self.reason = reason
        self.decided_by = account
        self.decided_at = clock.now()

    @transition(
        field=status, source=[TaskStatus.OPEN, TaskStatus.CLAIMED], target=TaskStatus.ON_HOLD
    )
    def hold(self) -> None:
        pass

    @transition(
        field=status,
        source=TaskStatus.ON_HOLD,
        target=RETURN_VALUE(TaskStatus.OPEN, TaskStatus.CLAIMED),  # type: ignore[arg-type]
    )
    def resume(self) -> str:
        return TaskStatus.CLAIMED if self.assignee_id is not None else TaskStatus.OPEN

    @transition(
        field=status,
        source=[TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.CLAIMED],
        target=TaskStatus.SKIPPED,
    )
    def skip(self) -> None:
        """The step's condition does not hold (at submission, or after a correction)."""
        self.assignee = None
        self.claimed_at = None

    @transition(field=status, source=TaskStatus.SKIPPED, target=TaskStatus.WAITING)
    def require(self) -> None:
        """A correction changed an answer so that the step's condition holds after all."""

    @transition(
        field=status, source=[TaskStatus.OPEN, TaskStatus.CLAIMED], target=TaskStatus.WAITING
    )
    def hold_back(self) -> None:
        """An earlier stage has a step to do again: this one waits for it, as it would have."""
        self.assignee = None
        self.claimed_at = None
        self.opened_at = None
        self.due_date = None

    @transition(
        field=status,
        source=[TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.ON_HOLD],
        target=TaskStatus.CANCELLED,
    )
    def cancel(self) -> None:
        pass


# --- Correction (补正) ------------------------------------------------------------------------


class CorrectionRequest(ConcurrentStateMachine, models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="corrections")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    fields = models.JSONField(default=list, blank=True)
    materials = models.JSONField(default=list, blank=True)
    note = models.TextField(_("note to the applicant"), blank=True)
    status = FSMField(
        _("status"),
        default=CorrectionStatus.OPEN,
        choices=CorrectionStatus.choices,
        protected=True,
    )
    opened_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # What the asked-for fields held before the person changed them, for the clerk to compare.
    previous_values = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("correction request")
        ordering: ClassVar = ["opened_at", "pk"]
        constraints: ClassVar = [
            # One open correction per case: a second one would need the first answered.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status=CorrectionStatus.OPEN),
                name="one_open_correction_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.case}"

    @transition(field=status, source=CorrectionStatus.OPEN, target=CorrectionStatus.RESOLVED)
    def resolve(self) -> None:
        self.resolved_at = clock.now()

    @transition(field=status, source=CorrectionStatus.OPEN, target=CorrectionStatus.CANCELLED)
    def cancel(self) -> None:
        self.resolved_at = clock.now()


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
