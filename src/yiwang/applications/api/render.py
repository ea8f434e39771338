"""Turning applications, cases and tasks into the dictionaries the response schemas describe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from yiwang.api.schemas import local_text
from yiwang.applications import selectors
from yiwang.applications.models import Application, MaterialUpload, Task
from yiwang.applications.types import CaseFile, Timeline
from yiwang.core import clock


def _or_none(value: Any) -> Any:
    return value if value not in ("", None) else None


def _firm(firm: Any) -> dict[str, str] | None:
    return {"uscc": firm.uscc, "name": firm.name} if firm is not None else None


def application_out(app: Application) -> dict[str, Any]:
    version = app.definition_version
    return {
        "id": app.pk,
        "receipt_number": app.receipt_number,
        "kind": app.kind,
        "code": version.code if version is not None else "",
        "title": {"zh": version.name_zh, "en": version.name_en} if version else local_text(None),
        "status": app.status,
        "status_label": str(app.get_status_display()),
        "outcome": _or_none(app.outcome),
        "firm": _firm(app.firm),
        "current_page": _or_none(app.current_page),
        "created_at": app.created_at,
        "submitted_at": app.submitted_at,
        "completed_at": app.completed_at,
        "withdrawn_at": app.withdrawn_at,
    }


def upload_out(upload: MaterialUpload) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "material_code": upload.material_code,
        "original_name": upload.original_name,
        "content_type": upload.content_type,
        "size": upload.size,
        "sha256": upload.sha256,
        "uploaded_at": upload.uploaded_at,
    }


def draft_out(app: Application) -> dict[str, Any]:
    spec = selectors.application_form(application=app)
    return {
        "application": application_out(app),
        "data": dict(app.form_data),
        "pages": [
            {"id": p.id, "title": local_text(p.title), "fields": list(p.fields)} for p in spec.pages
        ],
        "fields": spec.fields,
        "required": spec.required_fields(app.form_data),
        "materials": [
            {
                "code": m.code,
                "name": local_text(m.name),
                "description": local_text(m.description),
                "file_types": list(m.file_types),
                "max_size_mb": m.max_size_mb,
                "optional": m.optional,
                "upload": upload_out(m.upload) if m.upload is not None else None,
            }
            for m in selectors.materials_required(application=app)
        ],
    }


def timeline_cases_out(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {
            "id": case.pk,
            "service_code": case.service_code,
            "name": case.name,
            "department": case.department,
            "status": case.status,
            "status_label": case.status_label,
            "accepted_at": case.accepted_at,
            "due_date": case.due_date,
            "statutory_due_date": case.statutory_due_date,
            "deadline_state": case.deadline_state,
            "decided_at": case.decided_at,
            "outcome": _or_none(case.outcome),
            "tasks": [
                {
                    "id": t.pk,
                    "step_code": t.step_code,
                    "stage_id": t.stage_id,
                    "name": t.name,
                    "department": t.department,
                    "status": t.status,
                    "status_label": t.status_label,
                    "due_date": t.due_date,
                    "decision": _or_none(t.decision),
                    "reason": _or_none(t.reason),
                    "decided_at": t.decided_at,
                    "assignee": _or_none(t.assignee),
                }
                for t in case.tasks
            ],
            "corrections": [
                {
                    "id": c.pk,
                    "status": c.status,
                    "fields": c.fields,
                    "materials": c.materials,
                    "note": c.note,
                    "opened_at": c.opened_at,
                    "resolved_at": c.resolved_at,
                }
                for c in case.corrections
            ],
        }
        for case in timeline.cases
    ]


def local_today() -> dt.date:
    return timezone.localdate(clock.now())


def task_out(task: Task, today: dt.date) -> dict[str, Any]:
    case = task.case
    return {
        "id": task.pk,
        "name": {"zh": task.name_zh, "en": task.name_en},
        "service_code": task.service_code,
        "step_code": task.step_code,
        "department": task.department.code,
        "role": task.role,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "due_date": task.due_date,
        "overdue": task.due_date is not None and task.due_date < today,
        "assignee": task.assignee.get_username() if task.assignee is not None else None,
        "opened_at": task.opened_at,
        "claimed_at": task.claimed_at,
        "decision": _or_none(task.decision),
        "decided_at": task.decided_at,
        "case": {
            "id": case.pk,
            "name": {"zh": case.name_zh, "en": case.name_en},
            "status": case.status,
            "due_date": case.due_date,
            "deadline_state": case.deadline_state,
            "receipt_number": case.application.receipt_number,
        },
    }


def _answers(spec: Any, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    fields = spec.fields
    return [
        {
            "id": page.id,
            "title": local_text(page.title),
            "answers": [
                {
                    "name": name,
                    "title": local_text(fields.get(name, {}).get("x-title") or {"zh": name,
                                                                                 "en": name}),
                    "value": data.get(name),
                }
                for name in page.fields
            ],
        }
        for page in spec.pages
    ]  # fmt: skip


def task_detail_out(task: Task, shown: CaseFile) -> dict[str, Any]:
    """A task with what its case file ``shown`` holds (for a case of a bundle, what its own
    service asks for: see :func:`yiwang.applications.selectors.case_file_for`)."""
    app = shown.application
    return {
        **task_out(task, local_today()),
        "application": application_out(app),
        "applicant": {"name": app.applicant.name, "firm": _firm(app.firm)},
        "form": _answers(shown.form, shown.answers),
        "materials": [upload_out(u) for u in shown.uploads],
        "timeline": timeline_cases_out(shown.timeline),
    }
