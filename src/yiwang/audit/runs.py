"""Verifying the whole log on an auditor's request, by a worker, with the outcome kept.

A verification reads every event, so it never runs in a web request: the back office queues
one (:func:`request_verification`) and a worker runs it (:func:`run_verification`, through
:func:`yiwang.audit.tasks.verify_audit_log`). The scheduler also has one run every
``YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS`` (:func:`scheduled_verification`). Both ends are on the
record: the request as ``audit.verification_requested``, the outcome as ``audit.verified``. When
the log turns out altered, :data:`yiwang.audit.signals.log_altered` is sent (the notifications
app tells every auditor and platform admin, by inbox and e-mail).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from yiwang.audit.actors import system_actor
from yiwang.audit.constants import RUN_LOST_AFTER
from yiwang.audit.models import VerificationRun
from yiwang.audit.selectors import is_auditor
from yiwang.audit.services import record_event
from yiwang.audit.signals import log_altered
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied

logger = logging.getLogger(__name__)

ERROR_LIMIT = 2000
VERIFIER = system_actor("verifier")
SCHEDULER = system_actor("scheduler")


def last_requested_at() -> dt.datetime | None:
    """When the whole log was last verified, by the scheduler or for an auditor: the latest
    verification run's request (the scheduler counts its next run from it)."""
    latest: dt.datetime | None = (
        VerificationRun.objects.order_by("-requested_at")
        .values_list("requested_at", flat=True)
        .first()
    )
    return latest


def pending_run() -> VerificationRun | None:
    """The run that is queued or running, if any."""
    since = clock.now() - RUN_LOST_AFTER
    return (
        VerificationRun.objects.filter(finished_at__isnull=True, requested_at__gte=since)
        .order_by("-requested_at")
        .first()
    )


def request_verification(*, actor: Any) -> tuple[VerificationRun, bool]:
    """Queue a verification of the whole log; ``(run, True)``, or ``(pending run, False)`` when
    one is already waiting or running. Auditors and platform admins only."""
    if not is_auditor(actor):
        raise PermissionDenied("only auditors and platform admins may verify the audit log")
    with transaction.atomic():
        run, created = _new_run(actor, str(actor.pk), str(actor)[:200])
        if created:
            transaction.on_commit(lambda: _enqueue(run.pk))
    return run, created


def scheduled_verification() -> bool | None:
    """The scheduler's verification, run in this worker; whether the log is intact (None when
    another run is already waiting or running)."""
    with transaction.atomic():
        # No label: the page names the scheduler in the reader's language.
        run, created = _new_run(SCHEDULER, str(SCHEDULER), "")
    return run_verification(run.pk) if created else None


def _new_run(actor: Any, requester_id: str, label: str) -> tuple[VerificationRun, bool]:
    pending = pending_run()
    if pending is not None:
        return pending, False
    run = VerificationRun.objects.create(
        requested_at=clock.now(), requester_id=requester_id, requester_label=label
    )
    record_event(actor=actor, action="audit.verification_requested", obj=run)
    return run, True


def _enqueue(run_id: int) -> None:
    from yiwang.audit.tasks import verify_audit_log

    try:
        verify_audit_log.enqueue(run_id)
    except Exception as exc:
        logger.exception("could not queue audit verification run %s", run_id)
        _finish(run_id, error=f"the run could not be queued: {exc}")


def _finish(run_id: int, **values: Any) -> None:
    if "error" in values:
        values["error"] = str(values["error"])[:ERROR_LIMIT]
    VerificationRun.objects.filter(pk=run_id).update(finished_at=clock.now(), **values)


def run_verification(run_id: int) -> bool | None:
    """Verify the log for a queued run and keep the outcome; whether the log is intact (None
    when the run is unknown, already done, or could not finish)."""
    from yiwang.audit.verify import verify  # reads the whole log: loaded only when needed

    claimed = VerificationRun.objects.filter(pk=run_id, started_at__isnull=True).update(
        started_at=clock.now()
    )
    if not claimed:  # unknown, or another worker has it (a retried task)
        return None
    try:
        report = verify()
    except Exception as exc:
        logger.exception("audit verification run %s failed", run_id)
        _finish(run_id, error=f"{type(exc).__name__}: {exc}")
        return None
    _finish(
        run_id,
        ok=report.ok,
        events=report.events,
        sealed=report.sealed,
        awaiting=report.awaiting,
        checkpoints=report.checkpoints,
        problems=report.problems,
        problem=report.as_dict()["problem"],
    )
    record_event(
        actor=VERIFIER,
        action="audit.verified",
        object_type="audit.verificationrun",
        object_id=run_id,
        data={
            "ok": report.ok,
            "events": report.events,
            "problems": report.problems,
            "first_problem": str(report.problem) if report.problem else None,
        },
    )
    if not report.ok:
        log_altered.send(sender=VerificationRun, run_id=run_id, report=report)
    return report.ok
