"""Cedar policies generated from agreements, evaluated without the database."""

from __future__ import annotations

import datetime as dt

import cedarpy

from yiwang.exchange import policy
from yiwang.exchange.constants import AgreementState, SharingClass
from yiwang.exchange.types import LegalBasis

TODAY = dt.date(2026, 6, 1)


def rule(**overrides: object) -> policy.AgreementRule:
    values: dict[str, object] = {
        "id": 1,
        "code": "welfare_people",
        "consumer_id": 1,
        "consumer_code": "welfare",
        "registry_code": "people",
        "fields": ("person_name", "birth_date"),
        "purposes": frozenset({"benefit_assessment"}),
        "sharing_class": SharingClass.UNCONDITIONAL,
        "requires_consent": False,
        "requires_open_case": False,
        "roles": frozenset(),
        "masking": {},
        "identity_restricted": False,
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": dt.date(2026, 12, 31),
        "state": AgreementState.APPROVED,
        "legal_basis": LegalBasis("条例", "Regulation"),
    }
    values.update(overrides)
    return policy.AgreementRule(**values)  # type: ignore[arg-type]


def decide(rules: list[policy.AgreementRule], **request: object) -> policy.Decision:
    asked: dict[str, object] = {
        "consumer": "welfare",
        "registry": "people",
        "purpose": "benefit_assessment",
        "fields": ["person_name"],
        "role": "reviewer",
        "day": TODAY,
        "consent": False,
        "open_case": False,
    }
    asked.update(request)
    policy_set = cedarpy.PolicySet.from_str(policy.policy_text(rules))
    return policy.authorise(policy_set, policy.request_for(**asked))  # type: ignore[arg-type]


def test_an_approved_agreement_permits_exactly_its_terms() -> None:
    rules = [rule()]
    allowed = decide(rules)
    assert allowed.allowed and allowed.agreements == ("welfare_people",)
    assert not decide(rules, purpose="statistics").allowed
    assert not decide(rules, fields=["person_name", "address"]).allowed
    assert not decide(rules, consumer="tax_office").allowed
    assert not decide(rules, registry="firms").allowed
    assert not decide(rules, day=dt.date(2027, 1, 1)).allowed
    assert not decide(rules, day=dt.date(2025, 12, 31)).allowed
    assert decide(rules, day=dt.date(2026, 12, 31)).allowed


def test_no_policy_for_agreements_that_are_not_approved() -> None:
    for state in (
        AgreementState.REQUESTED,
        AgreementState.SUSPENDED,
        AgreementState.REVOKED,
        AgreementState.REJECTED,
    ):
        assert policy.policy_for(rule(state=state)) is None
        assert not decide([rule(state=state)]).allowed
    assert not decide([]).allowed


def test_conditions_become_policy_conditions() -> None:
    rules = [
        rule(
            requires_consent=True,
            requires_open_case=True,
            roles=frozenset({"reviewer"}),
            sharing_class=SharingClass.CONDITIONAL,
        )
    ]
    assert not decide(rules).allowed
    assert not decide(rules, consent=True).allowed
    assert decide(rules, consent=True, open_case=True).allowed
    assert not decide(rules, consent=True, open_case=True, role="approver").allowed


def test_not_shared_agreement_forbids_over_any_permit() -> None:
    rules = [
        rule(),
        rule(
            id=2,
            code="welfare_people_never",
            fields=("birth_date",),
            sharing_class=SharingClass.NOT_SHARED,
        ),
    ]
    assert decide(rules, fields=["person_name"]).allowed
    refused = decide(rules, fields=["person_name", "birth_date"])
    assert not refused.allowed
    assert refused.agreements == ("welfare_people_never",)


def test_codes_are_escaped_in_the_policy_text() -> None:
    tricky = rule(consumer_code='we"lfare\\', fields=("a\nb",))
    text = policy.policy_text([tricky])
    cedarpy.PolicySet.from_str(text)  # parses: nothing breaks out of the string literals
    assert decide([tricky], consumer='we"lfare\\', fields=["a\nb"]).allowed
    assert not decide([tricky], consumer="welfare", fields=["a\nb"]).allowed


def test_open_ended_agreement_has_no_end_date() -> None:
    rules = [rule(valid_until=None)]
    assert decide(rules, day=dt.date(2090, 1, 1)).allowed


def test_agreement_status_combines_state_and_dates() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    status = policy.agreement_status
    assert status(AgreementState.APPROVED, start, end, TODAY) == "active"
    assert status(AgreementState.APPROVED, start, end, dt.date(2025, 1, 1)) == "not_yet_valid"
    assert status(AgreementState.APPROVED, start, end, dt.date(2027, 1, 1)) == "expired"
    assert status(AgreementState.SUSPENDED, start, end, TODAY) == "suspended"
    assert status(AgreementState.SUSPENDED, start, end, dt.date(2027, 1, 1)) == "expired"
    assert status(AgreementState.REVOKED, start, end, TODAY) == "revoked"
    assert status(AgreementState.REQUESTED, start, end, TODAY) == "requested"
