"""A person's or a firm's access log: who read their data, shown only to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.db.planning import planned_each_time
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import pick
from yiwang.exchange import policy
from yiwang.exchange.constants import OWNER_PURPOSE_NAME, SYSTEM_ROLE, Reason, SubjectKind
from yiwang.exchange.models import AccessLogEntry, Flag, SharingAgreement
from yiwang.exchange.types import AccessLogView, LegalBasis
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role
from yiwang.identity.models import Department


def _official(entry: AccessLogEntry) -> str:
    if entry.identity_restricted:
        if entry.role == SYSTEM_ROLE:
            return _("Department system")
        return str(Role(entry.role).label) if entry.role in Role.values else entry.role
    if entry.system is not None:
        return entry.system.name
    if entry.account is not None:
        return entry.account.display_name or entry.account.get_username()
    return ""


def _purpose_name(entry: AccessLogEntry) -> str:
    if entry.purpose is not None:
        return pick(entry.purpose.name_zh, entry.purpose.name_en)
    if entry.reason == Reason.REGISTRY_OWNER:  # the department read its own registry
        return str(OWNER_PURPOSE_NAME)
    return entry.purpose_code


def entry_view(entry: AccessLogEntry, snap: policy.Snapshot) -> AccessLogView:
    info = snap.registries.get(entry.registry.code)
    names = []
    for name in entry.fields:
        spec = info.fields[name].element if info and name in info.fields else None
        names.append(pick(spec.name_zh, spec.name_en) if spec else name)
    basis = None
    if entry.legal_basis_zh or entry.legal_basis_en:
        basis = LegalBasis(entry.legal_basis_zh, entry.legal_basis_en, entry.legal_basis_url)
    return AccessLogView(
        id=entry.pk,
        at=entry.created_at,
        outcome=entry.outcome,
        reason=entry.reason,
        department_code=entry.consumer_code,
        department_name=entry.consumer.name if entry.consumer else entry.consumer_code,
        official=_official(entry),
        identity_restricted=entry.identity_restricted,
        registry_code=entry.registry.code,
        registry_name=pick(entry.registry.name_zh, entry.registry.name_en),
        fields=tuple(entry.fields),
        field_names=tuple(names),
        purpose_code=entry.purpose_code,
        purpose_name=_purpose_name(entry),
        legal_basis=basis,
        case_ref=entry.case_ref,
        flagged=bool(getattr(entry, "is_flagged", False)),
    )


# What an entry's view shows, and nothing else: not the record versions read, nor the rest of
# the account, department and registry rows (a page lists many entries).
_ENTRY_VIEW_FIELDS = (
    "created_at",
    "subject_kind",
    "subject_key",
    "outcome",
    "reason",
    "consumer_code",
    "role",
    "identity_restricted",
    "fields",
    "purpose_code",
    "legal_basis_zh",
    "legal_basis_en",
    "legal_basis_url",
    "case_ref",
    "consumer__name_zh",
    "consumer__name_en",
    "account__username",
    "account__display_name",
    "system__name",
    "registry__code",
    "registry__name_zh",
    "registry__name_en",
    "purpose__name_zh",
    "purpose__name_en",
)


def _account_id(actor: Any) -> int | None:
    # Only an account raises flags; anything else (a department system) has flagged nothing.
    return actor.pk if isinstance(actor, get_user_model()) else None


def _flagged_by(account_id: int | None) -> Exists:
    """Whether this account flagged the entry. Not whether anyone did: a firm's log is seen by
    each of its representatives, and a colleague's flag is not theirs to follow or answer."""
    return Exists(Flag.objects.filter(entry=OuterRef("pk"), raised_by_id=account_id))


def _entries(kind: str, key: str, *, reader_id: int | None) -> QuerySet[AccessLogEntry]:
    """The log of one subject, each entry marked ``is_flagged`` when ``reader_id`` flagged it."""
    return (
        AccessLogEntry.objects.filter(subject_kind=kind, subject_key=key)
        .select_related("consumer", "account", "system", "registry", "purpose")
        .only(*_ENTRY_VIEW_FIELDS)
        .annotate(is_flagged=_flagged_by(reader_id))
        .order_by("-created_at", "-pk")
    )


def _window(
    rows: QuerySet[AccessLogEntry], limit: int | None, offset: int
) -> QuerySet[AccessLogEntry]:
    if limit:
        return rows[offset : offset + limit]
    return rows[offset:] if offset else rows


def _page(
    rows: QuerySet[AccessLogEntry], limit: int | None, offset: int, snap: policy.Snapshot
) -> list[AccessLogView]:
    # Planned for this subject each time: one subject's log may hold ten thousand entries where
    # most hold a few, and a plan kept for "any subject" joins them all before taking a page.
    with planned_each_time():
        return [entry_view(e, snap) for e in _window(rows, limit, offset)]


@dataclass(frozen=True)
class AccessLogFilter:
    """What a person narrows their access log to: one reading department, a span of days
    (inclusive, in the platform's time zone)."""

    department: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def _filtered(
    rows: QuerySet[AccessLogEntry], where: AccessLogFilter | None
) -> QuerySet[AccessLogEntry]:
    if where is None:
        return rows
    if where.department:
        rows = rows.filter(consumer_code=where.department)
    start, end = clock.day_bounds(where.since, where.until)
    if start is not None:
        rows = rows.filter(created_at__gte=start)
    if end is not None:
        rows = rows.filter(created_at__lt=end)
    return rows


def access_log_for(
    *,
    actor: Any,
    person: Any,
    limit: int | None = None,
    offset: int = 0,
    where: AccessLogFilter | None = None,
) -> list[AccessLogView]:
    """Who read (or tried to read) a person's data, newest first. Only the person may look."""
    own = identity_selectors.person_for(actor)
    if own is None or person is None or own.pk != person.pk or not own.national_id:
        raise PermissionDenied("a person sees only their own access log")
    rows = _filtered(
        _entries(SubjectKind.PERSON, own.national_id, reader_id=_account_id(actor)), where
    )
    snap = policy.snapshot()
    return _page(rows, limit, offset, snap)


def access_log_for_firm(
    *,
    actor: Any,
    firm: Any,
    limit: int | None = None,
    offset: int = 0,
    where: AccessLogFilter | None = None,
) -> list[AccessLogView]:
    """The same for a firm, shown to the people who may act for it today."""
    if firm is None or not identity_selectors.can_act_for_firm(actor, firm):
        raise PermissionDenied("only a firm's representatives see its access log")
    rows = _filtered(_entries(SubjectKind.FIRM, firm.uscc, reader_id=_account_id(actor)), where)
    snap = policy.snapshot()
    return _page(rows, limit, offset, snap)


def access_log_departments(*, actor: Any, firm: Any = None) -> list[tuple[str, str]]:
    """``(code, name)`` of the departments a person may narrow their access log (or their
    firm's) to: those that consume an agreement on a registry about persons (or firms), and
    those that keep such a registry (their own reads of it are listed too).

    Taken from the agreements, not from the log itself: a DISTINCT over a person's whole log
    would cost as much as the log is long on every page. A read refused to a department with no
    agreement at all is still listed unfiltered.
    """
    if firm is not None:
        if not identity_selectors.can_act_for_firm(actor, firm):
            raise PermissionDenied("only a firm's representatives see its access log")
        kind = SubjectKind.FIRM
    else:
        kind = SubjectKind.PERSON
    consumers = SharingAgreement.objects.filter(registry__subject_kind=kind).values("consumer_id")
    owners = {
        r.department_id for r in policy.snapshot().registries.values() if r.subject_kind == kind
    }
    departments = Department.objects.filter(Q(pk__in=consumers) | Q(pk__in=owners))
    return [(d.code, d.name) for d in departments.order_by("code")]


def access_log_entry_for(*, actor: Any, entry_id: int) -> AccessLogView | None:
    """One entry of the actor's own access log (person or a firm they act for), or None."""
    entry = (
        AccessLogEntry.objects.select_related(
            "consumer", "account", "system", "registry", "purpose"
        )
        .annotate(is_flagged=_flagged_by(_account_id(actor)))
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not may_see_entry(actor, entry):
        return None
    return entry_view(entry, policy.snapshot())


def may_see_entry(actor: Any, entry: AccessLogEntry) -> bool:
    if entry.subject_kind == SubjectKind.PERSON:
        person = identity_selectors.person_for(actor)
        return person is not None and person.national_id == entry.subject_key
    firms = identity_selectors.firms_actor_may_act_for(actor)
    return firms.filter(uscc=entry.subject_key).exists()
