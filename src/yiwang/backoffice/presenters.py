"""What the back-office pages show, worked out from what selectors return: deadlines in words,
answers with their titles, files with their sizes. Pure functions of their arguments, in the
active language; templates only lay them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.applications import prefill
from yiwang.applications.constants import TaskStatus
from yiwang.core.language import is_english, pick
from yiwang.identity.constants import Role

# A task due within this many days (and not yet late) is shown as due soon.
DUE_SOON_DAYS = 2


def local(text: Mapping[str, Any] | str | None, fallback: str = "") -> str:
    """The active language's version of a ``{"zh": ..., "en": ...}`` text."""
    if isinstance(text, str):
        return text
    if not text:
        return fallback
    english = is_english()
    first, second = ("en", "zh") if english else ("zh", "en")
    return str(text.get(first) or text.get(second) or fallback)


# --- Who acted -----------------------------------------------------------------------------------


def department_label(code: str, names: Mapping[str, tuple[str, str]]) -> str:
    """A department's name in the active language, from identity's ``department_names``; its
    code when there is no such department (any more): a logged code names the department of its
    day."""
    if code in names:
        return pick(*names[code]) or code
    return code


def role_label(code: str) -> str:
    """A role's translated label; an unknown code as it is."""
    return str(Role(code).label) if code in Role.values else code


# --- Deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A task's deadline as a clerk reads it: a state for the colour, and words that say the
    same on their own (the colour is never the only sign)."""

    state: str  # overdue | due_soon | on_time | paused | none
    label: str  # "Overdue"
    detail: str  # "by 3 days"
    due_date: dt.date | None

    @property
    def is_late(self) -> bool:
        return self.state == "overdue"


def deadline_of(due_date: dt.date | None, today: dt.date, *, status: str = "") -> Deadline:
    if status == TaskStatus.ON_HOLD:
        return Deadline("paused", _("Clock stopped"), _("waiting for the applicant"), due_date)
    if status in (TaskStatus.DONE, TaskStatus.SKIPPED, TaskStatus.CANCELLED):
        return Deadline("none", _("Finished"), "", due_date)
    if due_date is None:
        return Deadline("none", _("No deadline yet"), _("an earlier step is running"), None)
    days = (due_date - today).days
    if days < 0:
        late = -days
        detail = ngettext("by %(days)d day", "by %(days)d days", late) % {"days": late}
        return Deadline("overdue", _("Overdue"), detail, due_date)
    if days == 0:
        return Deadline("due_soon", _("Due today"), "", due_date)
    detail = ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}
    if days <= DUE_SOON_DAYS:
        return Deadline("due_soon", _("Due soon"), detail, due_date)
    return Deadline("on_time", _("On time"), detail, due_date)


# --- Answers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    name: str
    title: str
    value: str
    # A list of groups: one block per item, each a list of (part's title, answer).
    items: tuple[tuple[tuple[str, str], ...], ...] = ()
    # Where an answer confirmed from official records came from ("From People registry, as of
    # Nov. 20, 2026"); empty for an answer the applicant gave.
    source: str = ""


@dataclass(frozen=True)
class AnswerPage:
    id: str
    title: str
    answers: list[Answer]


def show_value(schema: Mapping[str, Any], value: Any) -> str:
    """One answer as text: yes/no, the titles of chosen options, lists joined, nested parts."""
    if value is None or value == "" or value == []:
        return _("Not answered")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema, Mapping) else {}
        return "; ".join(show_value(items, v) for v in value)
    if isinstance(value, Mapping):
        parts = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        return "; ".join(
            f"{local(parts.get(k, {}).get('x-title'), k)}: {show_value(parts.get(k, {}), v)}"
            for k, v in value.items()
        )
    titles = schema.get("x-enum-titles") if isinstance(schema, Mapping) else None
    if isinstance(titles, Mapping) and str(value) in titles:
        return local(titles[str(value)], str(value))
    if schema.get("format") == "date" and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


def item_blocks(schema: Any, value: Any) -> tuple[tuple[tuple[str, str], ...], ...]:
    """A list of groups as one block per item, so a clerk reads each person or place apart."""
    items = schema.get("items") if isinstance(schema, Mapping) else None
    parts = items.get("properties") if isinstance(items, Mapping) else None
    if not isinstance(parts, Mapping) or not isinstance(value, list):
        return ()
    return tuple(
        tuple(
            (local(sub.get("x-title"), key), show_value(sub, item.get(key)))
            for key, sub in parts.items()
            if isinstance(sub, Mapping) and isinstance(item, Mapping) and key in item
        )
        for item in value
    )


def answer_source(entry: Mapping[str, Any]) -> str:
    """Which registry an answer came from and as of when, in the words the applicant saw."""
    registry = local(entry.get("registry_name"), str(entry.get("registry", "")))
    day = prefill.record_day(entry)
    if day is None:
        return _("From %(registry)s") % {"registry": registry}
    return _("From %(registry)s, as of %(date)s") % {
        "registry": registry,
        "date": date_format(day, "DATE_FORMAT"),
    }


def answer_pages(
    form: Any, data: Mapping[str, Any], from_records: Mapping[str, Any] | None = None
) -> list[AnswerPage]:
    """The answers of an application page by page, with the titles the applicant saw.

    ``from_records``: the answers the applicant confirmed from official records, by field (as
    ``locked_answers`` gives them), each then said to come from its registry. An answer the
    applicant replaced in a correction is no longer among them, and is not marked.
    """
    fields = form.fields
    sources = {
        name: answer_source(entry)
        for name, entry in (from_records or {}).items()
        # Only a value that is still the registry's is said to be the registry's.
        if isinstance(entry, Mapping) and data.get(name) == entry.get("value")
    }
    return [
        AnswerPage(
            id=page.id,
            title=local(page.title, page.id),
            answers=[
                Answer(
                    name=name,
                    title=local(fields.get(name, {}).get("x-title"), name),
                    value=show_value(fields.get(name, {}), data.get(name)),
                    items=item_blocks(fields.get(name, {}), data.get(name)),
                    source=sources.get(name, ""),
                )
                for name in page.fields
            ],
        )
        for page in form.pages
    ]


def field_choices(
    form: Any, from_records: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(name, title) of every question of the form, in page order, for a 补正 request.

    ``from_records``: the answers the applicant confirmed from official records, by field, each
    title then marked with its registry.
    """
    fields = form.fields
    sources = from_records or {}
    seen: dict[str, str] = {}
    for page in form.pages:
        for name in page.fields:
            if name in seen:
                continue
            title = local(fields.get(name, {}).get("x-title"), name)
            if name in sources:
                registry = local(sources[name].get("registry_name"))
                title = _("%(question)s (from %(registry)s)") % {
                    "question": title,
                    "registry": registry,
                }
            seen[name] = title
    return list(seen.items())


def material_choices(form: Any) -> list[tuple[str, str]]:
    return [(m.code, local(m.name, m.code)) for m in form.all_materials]


# --- Files --------------------------------------------------------------------------------------


def file_size(size: int) -> str:
    if size < 1024:
        return ngettext("%(n)d byte", "%(n)d bytes", size) % {"n": size}
    if size < 1024 * 1024:
        return _("%(n).0f KB") % {"n": size / 1024}
    return _("%(n).1f MB") % {"n": size / (1024 * 1024)}


@dataclass(frozen=True)
class MaterialRow:
    code: str
    name: str
    upload: Any  # the current MaterialUpload, or None
    size: str
    # The registry (its name, in the active language) whose data stands in for the material: the
    # applicant was told not to upload it. Empty when a file is needed.
    provided_by: str = ""
    optional: bool = False


def material_rows(
    form: Any, uploads: Iterable[Any], required: Sequence[Any] = ()
) -> list[MaterialRow]:
    """Each material of the form that has a file or is needed, with its current file.

    ``required``: the materials the answers call for (``MaterialRequirement``), which say whether
    each is optional and whether registry data stands in for it, as the applicant's own check page
    showed them.
    """
    by_code = {u.material_code: u for u in uploads}
    needed = {r.code: r for r in required}
    codes = list(dict.fromkeys([*needed, *by_code]))
    rows = []
    for code in codes:
        spec = form.material(code)
        upload = by_code.get(code)
        requirement = needed.get(code)
        provided = getattr(requirement, "provided_by", None) or {}
        rows.append(
            MaterialRow(
                code=code,
                name=local(spec.name, code) if spec is not None else code,
                upload=upload,
                size=file_size(upload.size) if upload is not None else "",
                provided_by=local(provided.get("registry_name"), provided.get("registry", ""))
                if provided
                else "",
                optional=bool(getattr(requirement, "optional", False)),
            )
        )
    return rows


# --- Timeline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectionView:
    status: str
    status_label: str
    fields: list[str]
    materials: list[str]
    note: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    # Materials the clerk did not ask for, uploaded in answer because a changed answer needed them.
    materials_added: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CaseView:
    case: Any  # yiwang.applications.types.TimelineCase
    corrections: list[CorrectionView]


def timeline_view(
    cases: Iterable[Any], form: Any, uploads: Iterable[Any] = (), required: Sequence[Any] = ()
) -> list[CaseView]:
    """The timeline's cases with the titles of the answers and materials a 补正 asked for, and
    of the materials added in answer to one because a changed answer needed them: ``uploads``
    (the application's current files) given with the correction, of a material the answers need
    (``required``, as for :func:`material_rows`) that the clerk did not ask for."""
    from yiwang.applications.constants import CorrectionStatus

    titles = dict(field_choices(form))
    materials = dict(material_choices(form))
    needed = {r.code for r in required}
    added: dict[int, list[str]] = {}
    for upload in uploads:
        if upload.correction_id is not None and upload.material_code in needed:
            added.setdefault(upload.correction_id, []).append(upload.material_code)
    return [
        CaseView(
            case=case,
            corrections=[
                CorrectionView(
                    status=c.status,
                    status_label=str(CorrectionStatus(c.status).label),
                    fields=[titles.get(f, f) for f in c.fields],
                    materials=[materials.get(m, m) for m in c.materials],
                    note=c.note,
                    opened_at=c.opened_at,
                    resolved_at=c.resolved_at,
                    materials_added=[
                        materials.get(m, m)
                        for m in dict.fromkeys(added.get(c.pk, []))
                        if m not in c.materials
                    ],
                )
                for c in case.corrections
            ],
        )
        for case in cases
    ]


def queue_row_labels() -> dict[str, str]:
    """The words every row of the queue may show, translated once per page."""
    return {"nobody": _("Nobody yet"), "not_set": _("Not set"), "claim": _("Claim")}


def queue_row_html(
    row: Any, *, csrf_token: str, here: str, labels: Mapping[str, str]
) -> SafeString:
    """One row of the work queue's table.

    Built here, with every value escaped by ``format_html``, because the queue is the page clerks
    load most and the template language spent most of its time on these rows' dozens of small
    lookups. The markup is the same the template used to write.
    """
    deadline = row.deadline
    assignee = (
        format_html("{}", row.assignee)
        if row.assignee
        else format_html('<span class="secondary-text">{}</span>', labels["nobody"])
    )
    due = (
        format_html('<time datetime="{}">{}</time>', row.due_iso, row.due_iso)
        if row.due_iso
        else format_html('<span class="secondary-text">{}</span>', labels["not_set"])
    )
    detail = (
        format_html(' <span class="deadline__detail">{}</span>', deadline.detail)
        if deadline.detail
        else ""
    )
    claim = (
        format_html(
            '<form method="post" action="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}">'
            '<button class="button button--secondary queue-table__claim" type="submit">{}'
            '<span class="visually-hidden"> {}</span></button></form>',
            row.claim_url,
            csrf_token,
            here,
            labels["claim"],
            row.receipt,
        )
        if row.can_claim
        else ""
    )
    return format_html(
        "<tr{}>"
        '<td><a class="queue-table__receipt" href="{}">{}</a></td>'
        '<td>{}<br><span class="secondary-text">{}</span></td>'
        "<td>{}</td><td>{}</td><td>{}</td>"
        '<td><span class="deadline deadline--{}"><strong class="deadline__label">{}</strong>{}'
        "</span></td><td>{}</td></tr>",
        format_html(' class="{}"', "queue-table__row--late") if deadline.is_late else "",
        row.url,
        row.receipt,
        row.service,
        row.step,
        row.status,
        assignee,
        due,
        deadline.state,
        deadline.label,
        detail,
        claim,
    )
