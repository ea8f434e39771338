"""Agreement definitions: their terms, saved as requested, approved by the --approve-as accounts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from yiwang.core.errors import LoadProblem
from yiwang.exchange.constants import AgreementState
from yiwang.exchange.loaders._common import LoadReport, duplicates, items_of
from yiwang.exchange.loaders.files import Document
from yiwang.exchange.models import SharingAgreement
from yiwang.exchange.services import agreements as agreement_services
from yiwang.exchange.services._common import is_data_officer
from yiwang.exchange.types import AgreementTerms, LegalBasis


def terms_from(item: Mapping[str, Any], *, normalise: bool = True) -> AgreementTerms:
    import datetime as dt

    conditions = item.get("conditions", {})
    basis = item["legal_basis"]
    terms = AgreementTerms(
        code=item["code"],
        name_zh=item["name"]["zh"],
        name_en=item["name"]["en"],
        consumer=item["consumer"],
        registry=item["registry"],
        fields=tuple(item["fields"]),
        purposes=tuple(item["purposes"]),
        legal_basis=LegalBasis(basis["zh"], basis["en"], basis.get("url", "")),
        sharing_class=item["sharing_class"],
        valid_from=dt.date.fromisoformat(item["valid_from"]),
        valid_until=dt.date.fromisoformat(item["valid_until"]) if item.get("valid_until") else None,
        requires_consent=bool(conditions.get("requires_consent", False)),
        requires_open_case=bool(conditions.get("requires_open_case", False)),
        roles=tuple(conditions.get("roles", ())),
        masking=dict(item.get("masking", {})),
        official_identity_restricted=bool(item.get("official_identity_restricted", False)),
    )
    return terms.normalised() if normalise else terms


def _approver(accounts: list[Any], department_id: int) -> Any:
    for account in accounts:
        if is_data_officer(account, department_id):
            return account
    return None


def load_agreements(
    docs: list[Document], accounts: list[Any], actor: Any, report: LoadReport
) -> list[LoadProblem]:
    problems: list[LoadProblem] = []
    items = list(items_of(docs, "agreements"))
    problems.extend(duplicates(items))
    if problems:
        return problems
    for doc, path, item in items:
        # Checked as written, so that a path names the item where it stands in the file
        # (roles[2], not its place once sorted); compared and stored in canonical order.
        written = terms_from(item, normalise=False)
        found = [
            doc.problem_below(path, where, reason)
            for where, reason in agreement_services.check_terms(written)
        ]
        if found:
            problems.extend(found)
            continue
        terms = written.normalised()
        existing = (
            SharingAgreement.objects.select_related("consumer", "registry")
            .prefetch_related("purposes")
            .filter(code=terms.code)
            .first()
        )
        if existing is not None and existing.state != AgreementState.REQUESTED:
            if agreement_services.terms_of(existing) != terms:
                message = _(
                    "agreement '%(code)s' is already %(state)s with different terms; the terms "
                    "of a decided agreement never change: revoke it and load a new agreement "
                    "under a new code"
                )
                problems.append(
                    doc.problem(path, message % {"code": terms.code, "state": existing.state})
                )
            else:
                report.note("agreements", "unchanged", terms.code)
            continue
        if existing is None:
            agreement = agreement_services.save_requested(terms, actor=actor, source_file=doc.file)
            report.note("agreements", "created", terms.code)
        elif agreement_services.terms_of(existing) != terms:
            agreement = agreement_services.save_requested(
                terms,
                actor=actor,
                requested_by=existing.requested_by,
                source_file=doc.file,
                existing=existing,
            )
            report.note("agreements", "updated", terms.code)
        else:
            agreement = existing
            report.note("agreements", "unchanged", terms.code)
        if not accounts:
            continue
        provider_id = agreement.registry.department_id
        approver = _approver(accounts, provider_id)
        if approver is None:
            names = ", ".join(a.get_username() for a in accounts)
            message = _(
                "none of the --approve-as accounts (%(accounts)s) is a data officer of "
                "'%(department)s', which owns the registry '%(registry)s'"
            )
            problems.append(
                doc.problem(
                    path,
                    message
                    % {
                        "accounts": names,
                        "department": agreement.registry.department.code,
                        "registry": agreement.registry.code,
                    },
                )
            )
            continue
        # The note is kept as written, so in the platform's language; it names the file, not
        # where the file was on the machine that loaded it.
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Approved on loading %(file)s.") % {"file": PurePath(doc.file).name}
        agreement_services.approve_agreement(actor=approver, agreement=agreement.code, note=note)
        report.approved.append(agreement.code)
    return problems
