"""Withdrawing an application before any of its cases is decided."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.applications import workflow
from yiwang.applications.constants import (
    ACTIVE_TASK_STATUSES,
    ApplicationStatus,
    CorrectionStatus,
)
from yiwang.applications.models import (
    Application,
    Case,
)
from yiwang.applications.services._common import notify, record, subjects_of
from yiwang.applications.types import (
    IllegalTransition,
)
from yiwang.core import clock
from yiwang.notifications.constants import Event


def withdraw_application(*, actor: Any, application: Application) -> Application:
    """Withdraw an application before any of its cases is decided (a draft is simply dropped).

    Open, waiting and on-hold tasks are cancelled, open corrections too.
    """
    with transaction.atomic():
        app = workflow.lock_application(application.pk)
        workflow.require_applicant(actor, app, own_only=app.status == ApplicationStatus.DRAFT)
        if app.status == ApplicationStatus.DRAFT:
            workflow.transition(app, "withdraw")
            app.save(update_fields=["status", "outcome", "withdrawn_at"])
            record(
                actor=actor,
                action="applications.draft_discarded",
                obj=app,
                subjects=subjects_of(app),
            )
            return app
        cases = list(Case.objects.select_for_update().filter(application=app).order_by("position"))
        if any(c.is_decided for c in cases):
            raise IllegalTransition(
                _("Part of this application has already been decided, so it cannot be withdrawn.")
            )
        workflow.transition(app, "withdraw")
        cancelled: list[int] = []
        for case in cases:
            for task in case.tasks.filter(status__in=ACTIVE_TASK_STATUSES):
                workflow.transition(task, "cancel")
                task.save(update_fields=["status"])
                cancelled.append(task.pk)
            for correction in case.corrections.filter(status=CorrectionStatus.OPEN):
                workflow.transition(correction, "cancel")
                correction.save(update_fields=["status", "resolved_at"])
            workflow.transition(case, "withdraw")
            case.save(update_fields=["status", "outcome"])
        app.updated_at = clock.now()
        app.save(update_fields=["status", "outcome", "withdrawn_at", "updated_at"])
        record(
            actor=actor,
            action="applications.application_withdrawn",
            obj=app,
            subjects=subjects_of(app),
            data={
                "receipt_number": app.receipt_number,
                "cases": [c.pk for c in cases],
                "cancelled_tasks": cancelled,
            },
        )
        notify(event=Event.WITHDRAWN, application=app, context={})
    return app
