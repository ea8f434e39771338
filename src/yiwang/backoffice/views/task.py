"""One task with its case: the answers, the files, the timeline, and the decision form.

For a case of a bundle (一件事) the page shows only what the case's own service asks for (the
case file of :func:`yiwang.applications.selectors.case_file_for`), and a correction may ask only
about that.

A clerk reaches only their departments' tasks; any other task's address is "not found", the
same as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.applications import selectors, services
from yiwang.applications.constants import Decision, TaskStatus
from yiwang.applications.types import ApplicationError, CaseFile, FormInvalid
from yiwang.backoffice import presenters
from yiwang.backoffice import selectors as backoffice
from yiwang.backoffice.forms import AssignForm, DecisionForm
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import in_running_text
from yiwang.identity import selectors as identity
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role

DECIDABLE = (TaskStatus.OPEN, TaskStatus.CLAIMED)


# Keys are 64-bit; a longer number in an address is simply not found.
MAX_PK = 2**63 - 1


def task_or_404(actor: Any, pk: int) -> Any:
    if not 0 < pk <= MAX_PK:
        raise Http404
    try:
        return selectors.task_for(actor=actor, pk=pk)
    except PermissionDenied:
        raise Http404 from None


def _decision_form(shown: CaseFile, data: Any = None) -> DecisionForm:
    # Only what the case file shows may be asked about: for a case of a bundle, the fields and
    # materials of its own service. Answers the applicant confirmed from official records
    # (``shown.sources``) are marked with the registry: asked about in a correction, the
    # applicant may replace one (and report the record as wrong).
    sources = shown.sources
    form = DecisionForm(
        data,
        fields=presenters.field_choices(shown.form, sources),
        materials=presenters.material_choices(shown.form),
    )
    if sources:
        field = form.fields["correction_fields"]
        field.help_text = "{} {}".format(
            field.help_text,
            _(
                "An answer marked “from” a registry was confirmed by the applicant from an "
                "official record. If you ask about it, the applicant may give another answer, "
                "which is then used instead of the record's, and may report the record as "
                "wrong to the department that keeps it."
            ),
        )
    return form


def _may_decide(actor: Any, task: Any) -> bool:
    if task.status not in DECIDABLE:
        return False
    if task.assignee_id in (None, actor.pk):
        return True
    return Role.TEAM_LEAD in identity.staff_roles(actor, department=task.department)


def _why_not_yours(task: Any) -> str:
    if task.status not in DECIDABLE:
        return _(
            "Your decision was not recorded: this task was decided meanwhile (it is now "
            "%(status)s)."
        ) % {"status": in_running_text(task.get_status_display())}
    return _(
        "Your decision was not recorded: %(name)s has claimed this task meanwhile, and only "
        "they or a team lead may decide it now."
    ) % {"name": task.assignee}


def _unsent(request: HttpRequest) -> list[tuple[str, str]]:
    """What the clerk wrote in the decision form, to copy: the reason and the note."""
    labels = {"reason": _("Reason for refusing"), "note": _("What to correct, and how")}
    return [
        (label, text)
        for name, label in labels.items()
        if (text := str(request.POST.get(name, "")).strip())
    ]


def _people(actor: Any, task: Any) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a} ({a.username})")
        for a in backoffice.assignees_for(actor=actor, task=task)
        if a.pk != task.assignee_id
    ]


def _render(
    request: HttpRequest,
    task: Any,
    *,
    decision_form: DecisionForm | None = None,
    assign_form: AssignForm | None = None,
    shown: CaseFile | None = None,
    refused: str = "",
    unsent: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.user
    # What of the application this case's clerks are shown: for a bundle, what its service asks.
    # ``shown``: the case file a failed decision was checked against, read once.
    if shown is None:
        shown = selectors.case_file_for(actor=actor, task=task)
    # Every page that shows the applicant's answers and files is a read on the audit log. A HEAD
    # request is answered with the same headers but no page, so nothing was shown: not a read.
    if request.method != "HEAD":
        services.record_case_view(actor=actor, task=task, shown=shown)
    app = shown.application
    may_decide = _may_decide(actor, task)
    people = _people(actor, task) if task.status in DECIDABLE else []
    if may_decide and decision_form is None:
        decision_form = _decision_form(shown)
    if people and assign_form is None:
        assign_form = AssignForm(people=people)
    today = timezone.localdate(clock.now())
    context = {
        "task": task,
        "case": task.case,
        "application": app,
        "of_bundle": shown.of_bundle,
        "deadline": presenters.deadline_of(task.due_date, today, status=task.status),
        "case_deadline": presenters.deadline_of(task.case.due_date, today),
        "pages": presenters.answer_pages(shown.form, shown.answers, shown.sources),
        "materials": presenters.material_rows(shown.form, shown.uploads, shown.required),
        "timeline": presenters.timeline_view(
            shown.timeline.cases, shown.form, shown.uploads, shown.required
        ),
        "can_claim": task.status == TaskStatus.OPEN,
        "decision_form": decision_form if may_decide else None,
        "assign_form": assign_form if people else None,
        "refused": refused,
        "unsent": unsent or [],
        # The page's one form with errors, for the title and the error summary.
        "form": decision_form if decision_form is not None and decision_form.errors
        else assign_form if assign_form is not None and assign_form.errors else None,
    }  # fmt: skip
    return render(request, "backoffice/tasks/task.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a task; a POST records the decision from its form."""
    actor = request.user
    task = task_or_404(actor, pk)
    if request.method != "POST":
        return _render(request, task)
    if not _may_decide(actor, task):
        # Decided or claimed by someone else since the page was opened: said who and what,
        # and what this clerk wrote shown back, not dropped on the way to a redirect.
        return _render(
            request, task, refused=_why_not_yours(task), unsent=_unsent(request), status=409
        )
    shown = selectors.case_file_for(actor=actor, task=task)
    form = _decision_form(shown, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decide_task(
                actor=actor,
                task=task,
                decision=data["decision"],
                reason=data.get("reason", ""),
                correction_fields=data.get("correction_fields", []),
                correction_materials=data.get("correction_materials", []),
                note=data.get("note", ""),
            )
        except PermissionDenied:
            raise Http404 from None
        except FormInvalid as exc:
            form.add_service_errors(exc.errors, str(exc))
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _DONE[data["decision"]]())
            return HttpResponseRedirect(reverse("backoffice:task", args=[pk]))
    # Nothing was decided (the decision was refused or its form is wrong): the application's
    # part is as read above.
    return _render(request, task_or_404(actor, pk), decision_form=form, shown=shown)


_DONE = {
    Decision.APPROVE: lambda: _("Approved. The next step has been sent on."),
    Decision.REJECT: lambda: _("Refused. The applicant will be told, with your reason."),
    Decision.REQUEST_CORRECTION: lambda: _(
        "Correction requested. The case's clock has stopped until the applicant answers."
    ),
}


@require_POST
@staff_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A team lead (or approver) hands the task to a colleague who may handle it."""
    actor = request.user
    task = task_or_404(actor, pk)
    people = _people(actor, task)
    if not people:
        raise Http404
    form = AssignForm(request.POST, people=people)
    if form.is_valid():
        assignee = backoffice.assignees_for(actor=actor, task=task).get(
            pk=int(form.cleaned_data["assignee"])
        )
        try:
            services.assign_task(actor=actor, task=task, assignee=assignee)
        except PermissionDenied:
            raise Http404 from None
        except ApplicationError as exc:
            form.add_error("assignee", str(exc))
        else:
            messages.success(request, _("%(name)s is now handling this task.") % {"name": assignee})
            return HttpResponseRedirect(reverse("backoffice:task", args=[pk]))
    return _render(request, task, assign_form=form)
