"""Sharing agreements: request, approve, reject, suspend, resume, revoke.

Every change bumps the policy version in the same transaction, so every process re-reads the
agreements on its next exchange read: a suspension or revocation takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from yiwang.core import clock
from yiwang.core.definition_files import close_codes
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, policy
from yiwang.exchange.constants import (
    AgreementState,
    Masking,
    SharingClass,
    SubjectKind,
)
from yiwang.exchange.domain import MASKING_TYPES
from yiwang.exchange.models import Purpose, Registry, SharingAgreement
from yiwang.exchange.services._common import (
    audit_actor,
    is_data_officer,
    is_platform,
    record,
)
from yiwang.exchange.types import AgreementTerms, LegalBasis
from yiwang.identity.constants import Role
from yiwang.identity.models import Department

ROLES = frozenset(Role.values) | {constants.SYSTEM_ROLE}


def check_terms(terms: AgreementTerms) -> list[tuple[str, str]]:
    """Problems with an agreement's terms as ``(path, reason)``; empty when they are sound.

    Paths are relative to the agreement (``fields[2]``, ``masking.birth_date``), so the file
    loader can prefix them with ``agreements[i].`` and forms can map them to inputs. Reasons are
    in the active language: the official's on a form or in the API, the operator's chosen one
    on the command line.
    """
    problems: list[tuple[str, str]] = []
    if not Department.objects.filter(code=terms.consumer, is_active=True).exists():
        message = _("no active department with the code '%(code)s'") % {"code": terms.consumer}
        active = Department.objects.filter(is_active=True).values_list("code", flat=True)
        problems.append(("consumer", message + close_codes(terms.consumer, active)))
    registry = (
        Registry.objects.filter(code=terms.registry).prefetch_related("fields__element").first()
    )
    types: dict[str, str] = {}
    if registry is None:
        message = _("no registry with the code '%(code)s'")
        problems.append(("registry", message % {"code": terms.registry}))
    else:
        types = {f.name: f.element.type for f in registry.fields.all()}
    if terms.sharing_class not in SharingClass.values:
        message = _("unknown sharing class '%(value)s'; use one of %(known)s")
        classes = ", ".join(SharingClass.values)
        problems.append(
            ("sharing_class", message % {"value": terms.sharing_class, "known": classes})
        )
    if not terms.fields:
        problems.append(("fields", _("list at least one field")))
    seen: set[str] = set()
    for i, name in enumerate(terms.fields):
        if name in seen:
            message = _("the field '%(name)s' is listed twice")
            problems.append((f"fields[{i}]", message % {"name": name}))
        seen.add(name)
        if registry is not None and name not in types:
            message = _("the registry '%(registry)s' has no field '%(name)s'")
            problems.append((f"fields[{i}]", message % {"registry": terms.registry, "name": name}))
    if not terms.purposes:
        problems.append(("purposes", _("list at least one purpose")))
    known = set(Purpose.objects.filter(code__in=terms.purposes).values_list("code", flat=True))
    for i, code in enumerate(terms.purposes):
        if code not in known:
            problems.append((f"purposes[{i}]", _("unknown purpose '%(code)s'") % {"code": code}))
    for i, role in enumerate(terms.roles):
        if role not in ROLES:
            message = _("unknown role '%(role)s'; use one of %(known)s")
            problems.append(
                (
                    f"conditions.roles[{i}]",
                    message % {"role": role, "known": ", ".join(sorted(ROLES))},
                )
            )
    for name, masking in terms.masking.items():
        if masking not in Masking.values:
            message = _("unknown masking '%(masking)s'; use one of %(known)s")
            known_masking = ", ".join(Masking.values)
            problems.append(
                (f"masking.{name}", message % {"masking": masking, "known": known_masking})
            )
        elif name not in terms.fields:
            message = _("'%(name)s' is not one of the agreement's fields")
            problems.append((f"masking.{name}", message % {"name": name}))
        elif name in types and types[name] not in MASKING_TYPES[masking]:
            message = _("the masking %(masking)s does not apply to a %(type)s field")
            problems.append(
                (f"masking.{name}", message % {"masking": masking, "type": types[name]})
            )
    if terms.sharing_class == SharingClass.CONDITIONAL and not (
        terms.requires_consent or terms.requires_open_case or terms.roles
    ):
        problems.append(
            (
                "conditions",
                _(
                    "conditional sharing needs at least one condition: "
                    "requires_consent, requires_open_case or roles"
                ),
            )
        )
    if terms.sharing_class == SharingClass.UNCONDITIONAL and (
        terms.requires_consent or terms.requires_open_case
    ):
        problems.append(
            (
                "conditions",
                _(
                    "unconditional sharing cannot require consent or an open "
                    "case; use sharing_class: conditional"
                ),
            )
        )
    if (
        terms.requires_consent
        and registry is not None
        and registry.subject_kind != SubjectKind.PERSON
    ):
        problems.append(
            ("conditions.requires_consent", _("consent applies only to registries about persons"))
        )
    if terms.valid_until is not None and terms.valid_until < terms.valid_from:
        problems.append(("valid_until", _("ends before valid_from")))
    if not terms.legal_basis.citation_zh.strip() or not terms.legal_basis.citation_en.strip():
        problems.append(("legal_basis", _("cite the legal basis in Chinese and English")))
    if terms.legal_basis.url:
        try:
            URLValidator(schemes=["http", "https"])(terms.legal_basis.url)
        except ValidationError:
            message = _("not an http(s) address: '%(url)s'; write one like https://…")
            problems.append(("legal_basis.url", message % {"url": terms.legal_basis.url}))
    return problems


def terms_of(agreement: SharingAgreement) -> AgreementTerms:
    return AgreementTerms(
        code=agreement.code,
        name_zh=agreement.name_zh,
        name_en=agreement.name_en,
        consumer=agreement.consumer.code,
        registry=agreement.registry.code,
        fields=tuple(agreement.fields),
        purposes=tuple(p.code for p in agreement.purposes.all()),
        legal_basis=LegalBasis(
            agreement.legal_basis_zh, agreement.legal_basis_en, agreement.legal_basis_url
        ),
        sharing_class=agreement.sharing_class,
        valid_from=agreement.valid_from,
        valid_until=agreement.valid_until,
        requires_consent=agreement.requires_consent,
        requires_open_case=agreement.requires_open_case,
        roles=tuple(agreement.roles),
        masking=dict(agreement.masking),
        official_identity_restricted=agreement.official_identity_restricted,
    ).normalised()


def _apply_terms(agreement: SharingAgreement, terms: AgreementTerms) -> None:
    terms = terms.normalised()
    agreement.code = terms.code
    agreement.name_zh = terms.name_zh
    agreement.name_en = terms.name_en
    agreement.consumer = Department.objects.get(code=terms.consumer)
    agreement.registry = Registry.objects.get(code=terms.registry)
    agreement.fields = list(terms.fields)
    agreement.legal_basis_zh = terms.legal_basis.citation_zh
    agreement.legal_basis_en = terms.legal_basis.citation_en
    agreement.legal_basis_url = terms.legal_basis.url
    agreement.sharing_class = terms.sharing_class
    agreement.requires_consent = terms.requires_consent
    agreement.requires_open_case = terms.requires_open_case
    agreement.roles = list(terms.roles)
    agreement.masking = dict(terms.masking)
    agreement.official_identity_restricted = terms.official_identity_restricted
    agreement.valid_from = terms.valid_from
    agreement.valid_until = terms.valid_until


def _audit_data(agreement: SharingAgreement, note: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": agreement.code,
        "consumer": agreement.consumer.code,
        "registry": agreement.registry.code,
        "state": agreement.state,
    }
    if note:
        data["note"] = note
    if agreement.source_file:
        data["source_file"] = agreement.source_file
    return data


def save_requested(
    terms: AgreementTerms,
    *,
    actor: Any,
    requested_by: Any = None,
    source_file: str = "",
    existing: SharingAgreement | None = None,
    capacity: tuple[str, str] | None = None,
) -> SharingAgreement:
    """Create (or, while still requested, re-word) an agreement. Caller holds the transaction
    and has checked the actor and the terms."""
    agreement = existing or SharingAgreement()
    _apply_terms(agreement, terms)
    agreement.requested_by = requested_by
    agreement.source_file = source_file
    agreement.state_changed_at = clock.now()
    agreement.save()
    agreement.purposes.set(Purpose.objects.filter(code__in=terms.purposes))
    policy.bump()
    record(
        actor=audit_actor(actor),
        action=constants.ACTION_AGREEMENT_REQUESTED,
        object_type="sharing_agreement",
        object_id=agreement.code,
        data=_audit_data(agreement),
        department=capacity[0] if capacity else None,
        role=capacity[1] if capacity else None,
    )
    return agreement


def request_agreement(*, actor: Any, terms: AgreementTerms) -> SharingAgreement:
    """A consumer department's data officer asks a provider for data."""
    consumer = Department.objects.filter(code=terms.consumer, is_active=True).first()
    if consumer is None or not is_data_officer(actor, consumer.pk):
        raise PermissionDenied("only a data officer of the consumer department may request")
    problems = check_terms(terms)
    if SharingAgreement.objects.filter(code=terms.code).exists():
        message = _("an agreement with the code '%(code)s' already exists; choose another code")
        problems.append(("code", message % {"code": terms.code}))
    if problems:
        by_path: dict[str, list[str]] = {}
        for path, reason in problems:
            by_path.setdefault(path or "__all__", []).append(reason)
        raise ValidationError(by_path)
    with transaction.atomic():
        return save_requested(
            terms, actor=actor, requested_by=actor, capacity=(consumer.code, Role.DATA_OFFICER)
        )


def _locked(agreement: SharingAgreement | str) -> SharingAgreement:
    code = agreement if isinstance(agreement, str) else agreement.code
    found = (
        SharingAgreement.objects.select_for_update()
        .select_related("consumer", "registry", "registry__department")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise ValidationError({"agreement": _("There is no agreement with this code.")})
    return found


Capacity = tuple[str, str]  # (department code, role) the actor acts in, for the audit log


def _transition(
    agreement: SharingAgreement | str,
    *,
    actor: Any,
    method: str,
    action: str,
    note: str,
    capacity: Callable[[SharingAgreement], Capacity | None],
    note_required: bool = False,
) -> SharingAgreement:
    note = (note or "").strip()
    if note_required and not note:
        raise ValidationError({"note": _("Say why.")})
    with transaction.atomic():
        found = _locked(agreement)
        acting = capacity(found)
        if acting is None:
            raise PermissionDenied(f"this actor may not {method} the agreement")
        move = getattr(found, method)
        if not can_proceed(move):
            raise ValidationError(
                {
                    "agreement": _(
                        "An agreement in the state “%(state)s” cannot be changed that way."
                    )
                    % {"state": AgreementState(found.state).label}
                }
            )
        move()
        now = clock.now()
        found.state_changed_at = now
        found.state_note = note
        if method == "approve":
            found.approved_by = actor
            found.approved_at = now
        found.save()
        policy.bump()
        record(
            actor=audit_actor(actor),
            action=action,
            object_type="sharing_agreement",
            object_id=found.code,
            data=_audit_data(found, note),
            department=acting[0] or None,
            role=acting[1] or None,
        )
    return found


def _as_provider(actor: Any, a: SharingAgreement) -> Capacity | None:
    if is_data_officer(actor, a.registry.department_id):
        return (a.registry.department.code, Role.DATA_OFFICER)
    return None


def _as_consumer(actor: Any, a: SharingAgreement) -> Capacity | None:
    if is_data_officer(actor, a.consumer_id):
        return (a.consumer.code, Role.DATA_OFFICER)
    return None


def _as_platform(actor: Any) -> Capacity | None:
    return ("", "") if is_platform(actor) else None


def approve_agreement(
    *, actor: Any, agreement: SharingAgreement | str, note: str = ""
) -> SharingAgreement:
    """The provider's data officer agrees. The agreement is active within its dates."""
    return _transition(
        agreement,
        actor=actor,
        method="approve",
        action=constants.ACTION_AGREEMENT_APPROVED,
        note=note,
        capacity=lambda a: _as_provider(actor, a),
    )


def reject_agreement(
    *, actor: Any, agreement: SharingAgreement | str, note: str
) -> SharingAgreement:
    return _transition(
        agreement,
        actor=actor,
        method="reject",
        action=constants.ACTION_AGREEMENT_REJECTED,
        note=note,
        capacity=lambda a: _as_provider(actor, a),
        note_required=True,
    )


def suspend_agreement(
    *, actor: Any, agreement: SharingAgreement | str, note: str
) -> SharingAgreement:
    """Stop sharing for now: the next read anywhere is refused. The provider's data officer
    suspends; a platform admin may too, in an emergency."""
    return _transition(
        agreement,
        actor=actor,
        method="suspend",
        action=constants.ACTION_AGREEMENT_SUSPENDED,
        note=note,
        capacity=lambda a: _as_provider(actor, a) or _as_platform(actor),
        note_required=True,
    )


def resume_agreement(
    *, actor: Any, agreement: SharingAgreement | str, note: str = ""
) -> SharingAgreement:
    return _transition(
        agreement,
        actor=actor,
        method="resume",
        action=constants.ACTION_AGREEMENT_RESUMED,
        note=note,
        capacity=lambda a: _as_provider(actor, a),
    )


def revoke_agreement(
    *, actor: Any, agreement: SharingAgreement | str, note: str
) -> SharingAgreement:
    """End the agreement for good. The provider, the consumer (withdrawing) or a platform
    admin may revoke."""
    return _transition(
        agreement,
        actor=actor,
        method="revoke",
        action=constants.ACTION_AGREEMENT_REVOKED,
        note=note,
        note_required=True,
        capacity=lambda a: _as_provider(actor, a) or _as_consumer(actor, a) or _as_platform(actor),
    )
