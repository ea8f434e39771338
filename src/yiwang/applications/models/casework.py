"""The departments' side of an application: its cases, their tasks, and corrections (补正)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from yiwang.applications.constants import (
    CaseOutcome,
    CaseStatus,
    CorrectionStatus,
    DeadlineState,
    Decision,
    TaskStatus,
)
from yiwang.applications.models._common import bilingual
from yiwang.applications.models.application import Application
from yiwang.core import clock
from yiwang.core.fsm import ConcurrentStateMachine

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
        return bilingual(self.name_zh, self.name_en)

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
        return bilingual(self.name_zh, self.name_en)

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
