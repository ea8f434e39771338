"""Helpers shared by the workflow's writes: the audit event, the notification, the data subjects."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from yiwang.applications import domain
from yiwang.applications.models import (
    Application,
    Case,
    Task,
)


def record(**kwargs: Any) -> None:
    from yiwang.audit.services import record_event

    record_event(**kwargs)


def notify(**kwargs: Any) -> None:
    from yiwang.notifications import services as notifications

    notifications.notify(**kwargs)


def subjects_of(application: Application) -> list[Any]:
    return [s for s in (application.applicant, application.firm) if s is not None]


def current_language() -> str:
    lang = (get_language() or "zh-hans").lower()
    return "en" if lang.startswith("en") else "zh-hans"


def case_context(case: Case) -> dict[str, Any]:
    return {
        "name": {"zh": case.name_zh, "en": case.name_en},
        "due_date": case.due_date,
        "status": case.status,
        "outcome": case.outcome,
    }


def task_names(task: Task) -> dict[str, str]:
    """A task's name in both languages: a message to its clerk picks theirs."""
    return {"zh": task.name_zh, "en": task.name_en}


def field_title(spec: domain.FormSpec, name: str) -> dict[str, str]:
    title = spec.fields.get(name, {}).get("x-title", {})
    return {"zh": str(title.get("zh", name)), "en": str(title.get("en", name))}
