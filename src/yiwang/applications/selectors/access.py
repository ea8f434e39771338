"""Who the actor is, and so which applications, and which part of each, they may see.

Private to the selectors: every read in this package starts from here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from yiwang.applications import domain, workflow
from yiwang.applications.models import Application, Case, Task
from yiwang.catalogue.constants import STEP_ROLES
from yiwang.identity import selectors as identity


def _step_roles(actor: Any) -> dict[int, set[str]]:
    """Department pk -> the step roles (reviewer, approver, team lead) the actor holds there.

    A department's own IT system (an API principal of the exchange) reads its department's whole
    queue, as a team lead would; it cannot act on tasks, since the services ask for a membership.
    """
    from yiwang.exchange import selectors as exchange

    if exchange.is_department_system(actor):
        return {actor.department_id: set(STEP_ROLES)} if actor.is_active else {}
    out: dict[int, set[str]] = {}
    for department_id, role in identity.memberships_of(actor).values_list("department_id", "role"):
        if role in STEP_ROLES:
            out.setdefault(department_id, set()).add(role)
    return out


def _applicant_filter(actor: Any) -> Q | None:
    person = identity.person_for(actor)
    if person is None:
        return None
    firms = identity.firms_actor_may_act_for(actor).values("pk")
    # Drafts belong to their author; a firm's other representatives see it once submitted.
    return Q(applicant=person) | (Q(firm__in=firms) & ~Q(status="draft"))


def _staff_application_filter(departments: Collection[int]) -> Q:
    with_task = Task.objects.filter(case__application=OuterRef("pk"), department_id__in=departments)
    owned = Case.objects.filter(application=OuterRef("pk"), department_id__in=departments)
    return Q(Exists(with_task)) | Q(Exists(owned))


def _visible_applications(
    actor: Any, departments: Collection[int] | None = None
) -> QuerySet[Application]:
    """``departments``: the actor's step-role departments, when the caller has read them."""
    applicant = _applicant_filter(actor)
    if applicant is not None:
        return Application.objects.filter(applicant)
    if departments is None:
        departments = set(_step_roles(actor))
    if departments:
        return Application.objects.filter(_staff_application_filter(departments)).exclude(
            status="draft"
        )
    return Application.objects.none()


def _is_staff(actor: Any) -> bool:
    """Staff (a clerk or a department system) rather than the applicant's side: anyone who is
    not a person. Only staff are shown part of an application."""
    return identity.person_for(actor) is None


def _held_cases(
    actor: Any, application: Application, departments: Collection[int] | None = None
) -> dict[int, str]:
    """The cases of an application that the actor's departments hold (a case one of them owns
    or has a task in), as case pk -> service code. Nothing for the applicant's side or anyone
    without a step role. ``departments``: the actor's, when the caller has read them already."""
    if departments is None:
        departments = set(_step_roles(actor))
    if not departments:
        return {}
    with_task = Task.objects.filter(case=OuterRef("pk"), department_id__in=departments)
    held = Case.objects.filter(application=application).filter(
        Q(department_id__in=departments) | Q(Exists(with_task))
    )
    return dict(held.values_list("pk", "service_code"))


def _case_part(application: Application, service_code: str) -> domain.Part:
    """What the service of one case asks for (the whole form for a single service)."""
    _spec, pinned = workflow.form_of(application)
    service = pinned.get(service_code)
    return domain.NOTHING if service is None else domain.service_part(service.definition)


def _services_part(application: Application, codes: Iterable[str]) -> domain.Part:
    """What any of the application's services ``codes`` asks for."""
    _spec, pinned = workflow.form_of(application)
    return domain.parts_of(pinned[code].definition for code in sorted(set(codes)) if code in pinned)


def _staff_part(
    actor: Any, application: Application, departments: Collection[int] | None = None
) -> domain.Part:
    """What staff may see of an application: what the services of the cases their departments
    hold ask for, together. Deny by default: nothing else. ``departments`` as for
    :func:`_held_cases`."""
    return _services_part(application, _held_cases(actor, application, departments).values())
