"""Auditors' reads of the log are on the log too.

The log names the people whose data each event touched, so reading it is a use of personal
data like any other: each search and each event opened is an event of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from yiwang.audit.models import AuditEvent
from yiwang.audit.services import record_event


def record_log_view(
    *, actor: Any, filters: Mapping[str, Any], before_id: int | None, shown: int
) -> AuditEvent:
    """A page of the log was shown: with its filters, and the person or firm searched for."""
    logged = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in filters.items()}
    return record_event(
        actor=actor,
        action="audit.log_viewed",
        object_type="audit.log",
        subjects=[filters["subject"]] if filters.get("subject") else [],
        data={"filters": logged, "before": before_id, "shown": shown},
    )


def record_event_view(*, actor: Any, event: AuditEvent) -> AuditEvent:
    """One event was opened, with the people and firms it names."""
    return record_event(
        actor=actor, action="audit.event_viewed", obj=event, subjects=event.subjects
    )
