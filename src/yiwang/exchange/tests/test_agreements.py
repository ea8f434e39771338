"""The agreement lifecycle: who may do what, every step audited and reflected in the policies."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, policy, selectors, services
from yiwang.exchange.constants import AgreementState, SharingClass
from yiwang.exchange.models import SharingAgreement

from .conftest import World, events_after, last_event_id
from .helpers import agreement, terms, today


def test_request_and_approval_by_the_right_data_officers(loaded: World) -> None:
    w = loaded
    for wrong in (w.tax_reviewer, w.registrar_officer, w.welfare_officer, w.citizen):
        with pytest.raises(PermissionDenied):
            services.request_agreement(actor=wrong, terms=terms())
    mark = last_event_id()
    asked = services.request_agreement(actor=w.tax_officer, terms=terms())
    assert asked.state == AgreementState.REQUESTED and asked.requested_by == w.tax_officer
    for wrong in (w.tax_officer, w.welfare_officer, w.commerce_officer):
        with pytest.raises(PermissionDenied):
            services.approve_agreement(actor=wrong, agreement=asked.code)
    approved = services.approve_agreement(actor=w.registrar_officer, agreement=asked.code)
    assert approved.state == AgreementState.APPROVED
    assert approved.approved_by == w.registrar_officer and approved.approved_at is not None
    assert selectors.agreement_status(approved) == "active"
    [requested, decided] = events_after(mark)
    assert (requested.action, requested.actor_department) == (
        constants.ACTION_AGREEMENT_REQUESTED,
        "tax_office",
    )
    assert (decided.action, decided.actor_department) == (
        constants.ACTION_AGREEMENT_APPROVED,
        "registrar",
    )


def test_every_change_bumps_the_policy_version(loaded: World) -> None:
    w = loaded
    seen = {policy.current_token()}
    agreement(w, approve=False)
    seen.add(policy.current_token())
    steps = [
        lambda: services.approve_agreement(actor=w.registrar_officer, agreement="tax_people"),
        lambda: services.suspend_agreement(
            actor=w.registrar_officer, agreement="tax_people", note="check"
        ),
        lambda: services.resume_agreement(actor=w.registrar_officer, agreement="tax_people"),
        lambda: services.revoke_agreement(
            actor=w.registrar_officer, agreement="tax_people", note="done"
        ),
    ]
    for step in steps:
        step()
        seen.add(policy.current_token())
    assert len(seen) == 6


def test_transitions_follow_the_lifecycle(loaded: World) -> None:
    w = loaded
    agreement(w)
    with pytest.raises(ValidationError):
        services.approve_agreement(actor=w.registrar_officer, agreement="tax_people")
    with pytest.raises(ValidationError):
        services.resume_agreement(actor=w.registrar_officer, agreement="tax_people")
    with pytest.raises(ValidationError):  # a reason is required
        services.suspend_agreement(actor=w.registrar_officer, agreement="tax_people", note="")
    services.suspend_agreement(actor=w.registrar_officer, agreement="tax_people", note="audit")
    services.resume_agreement(actor=w.registrar_officer, agreement="tax_people")
    services.revoke_agreement(actor=w.registrar_officer, agreement="tax_people", note="end")
    for move in (services.resume_agreement, services.approve_agreement):
        with pytest.raises(ValidationError):
            move(actor=w.registrar_officer, agreement="tax_people")
    with pytest.raises(ValidationError):
        services.suspend_agreement(actor=w.registrar_officer, agreement="tax_people", note="x")
    assert SharingAgreement.objects.get(code="tax_people").state == AgreementState.REVOKED


def test_reject_is_final_and_needs_a_reason(loaded: World) -> None:
    w = loaded
    agreement(w, approve=False)
    with pytest.raises(ValidationError):
        services.reject_agreement(actor=w.registrar_officer, agreement="tax_people", note="")
    rejected = services.reject_agreement(
        actor=w.registrar_officer, agreement="tax_people", note="no legal basis"
    )
    assert rejected.state == AgreementState.REJECTED and rejected.state_note == "no legal basis"
    with pytest.raises(ValidationError):
        services.approve_agreement(actor=w.registrar_officer, agreement="tax_people")


def test_who_may_suspend_and_revoke(loaded: World) -> None:
    w = loaded
    agreement(w)
    with pytest.raises(PermissionDenied):  # the consumer cannot pause the provider's decision
        services.suspend_agreement(actor=w.tax_officer, agreement="tax_people", note="x")
    with pytest.raises(PermissionDenied):
        services.resume_agreement(actor=w.tax_officer, agreement="tax_people")
    with pytest.raises(PermissionDenied):
        services.revoke_agreement(actor=w.welfare_officer, agreement="tax_people", note="x")
    # ... but may withdraw from it for good.
    services.revoke_agreement(actor=w.tax_officer, agreement="tax_people", note="not needed")


def test_expiry_is_computed_from_the_dates(loaded: World) -> None:
    w = loaded
    old = agreement(
        w, valid_from=today() - dt.timedelta(days=60), valid_until=today() - dt.timedelta(days=1)
    )
    assert old.state == AgreementState.APPROVED
    assert selectors.agreement_status(old) == "expired"
    assert selectors.agreement_status(old, today() - dt.timedelta(days=10)) == "active"


def test_terms_are_checked(loaded: World) -> None:
    w = loaded
    cases = {
        "conditions": terms(sharing_class=SharingClass.CONDITIONAL),
        "masking.birth_date": terms(masking={"birth_date": "last4"}),
        "fields[0]": terms(fields=("shoe_size",)),
        "registry": terms(registry="nowhere"),
    }
    for path, bad in cases.items():
        with pytest.raises(ValidationError) as caught:
            services.request_agreement(actor=w.tax_officer, terms=bad)
        assert path in caught.value.message_dict, path
    unconditional_consent = terms(requires_consent=True)
    with translation.override("en"):
        found = services.check_terms(unconditional_consent)
    assert (
        "conditions",
        "unconditional sharing cannot require consent or an open case; use "
        "sharing_class: conditional",
    ) in found
    agreement(w)
    with pytest.raises(ValidationError) as caught:
        services.request_agreement(actor=w.tax_officer, terms=terms())
    assert "code" in caught.value.message_dict


def test_agreements_for_is_scoped_to_the_actors_departments(loaded: World) -> None:
    w = loaded
    agreement(w)
    assert {a.code for a in selectors.agreements_for(actor=w.tax_officer)} == {"tax_people"}
    provider_view = {a.code for a in selectors.agreements_for(actor=w.registrar_officer)}
    assert "tax_people" in provider_view and "welfare_people_basic" in provider_view
    assert "commerce_firms_statistics" not in provider_view
    assert list(selectors.agreements_for(actor=w.citizen)) == []


def test_terms_round_trip(loaded: World) -> None:
    from yiwang.exchange.services.agreements import terms_of

    w = loaded
    asked = terms(
        masking={"person_name": "first1_last1", "sex": "none"}, roles=("reviewer", "approver")
    )
    made = agreement(w, **{f.name: getattr(asked, f.name) for f in dataclasses.fields(asked)})
    assert terms_of(made) == asked.normalised()
    assert made.masking == {"person_name": "first1_last1"}


def test_a_request_reports_every_problem_of_one_field(loaded: World) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.request_agreement(
            actor=loaded.tax_officer, terms=terms(fields=("person_name", "shoe_size", "shoe_size"))
        )
    assert refused.value.message_dict["fields[2]"] == [
        "the field 'shoe_size' is listed twice",
        "the registry 'people' has no field 'shoe_size'",
    ]
    assert not SharingAgreement.objects.filter(code="tax_people").exists()
