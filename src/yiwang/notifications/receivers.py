"""Messages for what other apps report through their signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.functional import lazy

from yiwang.audit.models import VerificationRun
from yiwang.audit.report import Report
from yiwang.audit.selectors import auditors
from yiwang.audit.signals import log_altered
from yiwang.audit.wording import problem_detail, problem_summary
from yiwang.notifications.constants import Event
from yiwang.notifications.services import notify


@receiver(log_altered, dispatch_uid="yiwang.notifications.log_altered")
def tell_auditors(*, run_id: int, report: Report, **kwargs: Any) -> None:
    """Every active auditor and platform admin is told, by inbox and e-mail."""
    run = VerificationRun.objects.get(pk=run_id)
    notify(
        event=Event.AUDIT_PROBLEM,
        accounts=auditors(),
        # Worded when each message is written, in its reader's language.
        context={
            "run": run,
            "problem": lazy(problem_summary, str)(run.problem),
            "reason": lazy(problem_detail, str)(run.problem),
            "problems": report.problems,
            "message": str(report.problem) if report.problem else "",
        },
        discriminator=str(run_id),
    )
