"""What the person sees: their access log, consent, and flagging a read that looks wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, selectors, services
from yiwang.exchange.constants import FlagStatus, Outcome, Reason
from yiwang.exchange.models import Flag
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role
from yiwang.identity.models import Firm, Person
from yiwang.identity.tests.factories import FirmFactory, FirmRepresentativeFactory

from .conftest import World, events_after, last_event_id


def welfare_read(
    w: World,
    *,
    registry: str = "people",
    fields: tuple[str, ...] = ("person_name",),
    role: str = Role.REVIEWER,
    case_ref: str | None = None,
) -> object:
    account = {
        Role.REVIEWER: w.welfare_reviewer,
        Role.APPROVER: w.welfare_approver,
        Role.AUDITOR: w.welfare_auditor,
    }[role]
    return services.read(
        requester=Requester.official(account, department="welfare", role=role),
        subject=w.national_id,
        fields=list(fields),
        purpose="benefit_assessment",
        registry=registry,
        case_ref=case_ref,
    )


def test_the_person_sees_served_and_refused_reads_newest_first(populated: World) -> None:
    w = populated
    served = welfare_read(w, fields=("person_name", "birth_date"), case_ref="R-2026-1")
    refused = welfare_read(w, fields=("address",))
    with translation.override("en"):
        log = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert [e.id for e in log] == [refused.access_log_id, served.access_log_id]  # type: ignore[attr-defined]
    newest, oldest = log
    assert (newest.outcome, newest.reason) == (Outcome.DENIED, Reason.FIELD_OUTSIDE_AGREEMENT)
    assert oldest.outcome == Outcome.SERVED
    assert oldest.department_name == "Welfare"
    assert oldest.official == str(w.welfare_reviewer.display_name)
    assert oldest.registry_name == "People registry"
    assert oldest.field_names == ("Name", "Date of birth")
    assert oldest.purpose_name == "Benefit assessment"
    assert oldest.legal_basis is not None
    assert oldest.legal_basis.citation_en == "Example Regulation, article 10"
    assert oldest.case_ref == "R-2026-1"
    with translation.override("zh-hans"):
        [_, zh] = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert zh.field_names == ("姓名", "出生日期") and zh.department_name == "民政局"


def test_restricted_agreements_show_the_role_not_the_official(populated: World) -> None:
    w = populated
    services.grant_consent(
        actor=w.citizen,
        consumer="welfare",
        registry="contributions",
        purpose="benefit_assessment",
        fields=["insured"],
        expires_at=clock.now() + dt.timedelta(days=10),
    )
    result = welfare_read(w, registry="contributions", fields=("insured",))
    assert result.allowed  # type: ignore[attr-defined]
    with translation.override("en"):
        [entry] = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert entry.identity_restricted
    assert entry.official == "Reviewer"
    assert str(w.welfare_reviewer.display_name) not in repr(entry)


def test_nobody_else_sees_a_persons_log(populated: World) -> None:
    w = populated
    welfare_read(w)
    other_person = Person.objects.get(account=w.other_citizen)
    assert selectors.access_log_for(actor=w.other_citizen, person=other_person) == []
    for actor in (w.other_citizen, w.welfare_reviewer, w.registrar_officer):
        with pytest.raises(PermissionDenied):
            selectors.access_log_for(actor=actor, person=w.person)


def test_firm_log_is_shown_to_its_representatives(populated: World) -> None:
    w = populated
    firm = FirmFactory(uscc=w.firm_uscc)
    FirmRepresentativeFactory(firm=firm, person=w.person)
    services.read(
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        subject=w.firm_uscc,
        fields=["firm_name"],
        purpose="statistics",
        registry="firms",
    )
    [entry] = selectors.access_log_for_firm(actor=w.citizen, firm=firm)
    assert entry.outcome == Outcome.SERVED and entry.registry_code == "firms"
    with pytest.raises(PermissionDenied):
        selectors.access_log_for_firm(actor=w.other_citizen, firm=Firm.objects.get(pk=firm.pk))


def test_flag_goes_to_the_providers_data_officers_and_is_audited(populated: World) -> None:
    w = populated
    result = welfare_read(w)
    [entry] = selectors.access_log_for(actor=w.citizen, person=w.person)
    with pytest.raises(PermissionDenied):
        services.flag_access(actor=w.other_citizen, entry=entry, reason="not mine")
    with pytest.raises(ValidationError):
        services.flag_access(actor=w.citizen, entry=entry, reason="  ")
    mark = last_event_id()
    flag = services.flag_access(actor=w.citizen, entry=entry, reason="I applied for nothing")
    assert flag.status == FlagStatus.OPEN
    stored = Flag.objects.get(pk=flag.id)
    assert stored.provider.code == "registrar"
    assert stored.entry_id == result.access_log_id  # type: ignore[attr-defined]
    [event] = events_after(mark)
    assert event.action == constants.ACTION_ACCESS_FLAGGED
    assert event.subjects == [f"person:{w.national_id}"]
    assert "I applied" not in event.data_json
    assert [f.id for f in selectors.flags_for(actor=w.registrar_officer)] == [flag.id]
    assert selectors.flags_for(actor=w.welfare_officer) == []
    [again] = selectors.access_log_for(actor=w.citizen, person=w.person)
    assert again.flagged


def test_on_a_firms_log_flagged_means_the_reader_flagged_it_not_a_colleague(
    populated: World,
) -> None:
    w = populated
    firm = FirmFactory(uscc=w.firm_uscc)
    FirmRepresentativeFactory(firm=firm, person=w.person)
    FirmRepresentativeFactory(firm=firm, person=Person.objects.get(account=w.other_citizen))
    result = services.read(
        requester=w.reviewer(),
        subject=w.firm_uscc,
        fields=["firm_name"],
        purpose="statistics",
        registry="firms",
    )
    entry_id = result.access_log_id
    assert entry_id is not None
    mine = services.flag_access(actor=w.citizen, entry=entry_id, reason="we applied for nothing")

    [seen_by_flagger] = selectors.access_log_for_firm(actor=w.citizen, firm=firm)
    [seen_by_colleague] = selectors.access_log_for_firm(actor=w.other_citizen, firm=firm)
    assert seen_by_flagger.flagged
    assert not seen_by_colleague.flagged
    one = selectors.access_log_entry_for(actor=w.other_citizen, entry_id=entry_id)
    assert one is not None and not one.flagged
    assert selectors.flags_raised_by(actor=w.other_citizen, entry_ids=[entry_id]) == []

    # The colleague raises a flag of their own on the same read; each follows only theirs.
    theirs = services.flag_access(actor=w.other_citizen, entry=entry_id, reason="not by us")
    [seen_by_colleague] = selectors.access_log_for_firm(actor=w.other_citizen, firm=firm)
    assert seen_by_colleague.flagged
    assert [f.id for f in selectors.flags_raised_by(actor=w.other_citizen)] == [theirs.id]
    assert [f.id for f in selectors.flags_raised_by(actor=w.citizen)] == [mine.id]
    assert sorted(f.id for f in selectors.flags_for(actor=w.commerce_officer)) == sorted(
        [mine.id, theirs.id]
    )


def test_consent_is_granted_and_revoked_by_the_person_only(populated: World) -> None:
    w = populated
    later = clock.now() + dt.timedelta(days=30)
    for actor in (w.welfare_reviewer, w.registrar_officer):
        with pytest.raises(PermissionDenied):
            services.grant_consent(
                actor=actor,
                consumer="welfare",
                registry="contributions",
                purpose="benefit_assessment",
                fields=["insured"],
                expires_at=later,
            )
    with pytest.raises(ValidationError) as caught:
        services.grant_consent(
            actor=w.citizen,
            consumer="welfare",
            registry="firms",
            purpose="nothing",
            fields=[],
            expires_at=clock.now(),
        )
    assert set(caught.value.message_dict) == {"registry", "purpose", "fields", "expires_at"}
    mark = last_event_id()
    given = services.grant_consent(
        actor=w.citizen,
        consumer="welfare",
        registry="contributions",
        purpose="benefit_assessment",
        fields=["insured"],
        expires_at=later,
    )
    assert (
        selectors.active_consent(
            subject_key=w.national_id,
            consumer="welfare",
            registry="contributions",
            purpose="benefit_assessment",
            fields=["insured"],
        )
        == given
    )
    assert (
        selectors.active_consent(
            subject_key=w.national_id,
            consumer="welfare",
            registry="contributions",
            purpose="benefit_assessment",
            fields=["insured", "monthly_contribution"],
        )
        is None
    )
    with pytest.raises(PermissionDenied):
        services.revoke_consent(actor=w.other_citizen, consent_id=given.id)
    revoked = services.revoke_consent(actor=w.citizen, consent_id=given.id)
    assert revoked.revoked_at is not None
    assert (
        selectors.active_consent(
            subject_key=w.national_id,
            consumer="welfare",
            registry="contributions",
            purpose="benefit_assessment",
            fields=["insured"],
        )
        is None
    )
    assert [e.action for e in events_after(mark)] == [
        constants.ACTION_CONSENT_GRANTED,
        constants.ACTION_CONSENT_REVOKED,
    ]
    assert [c.id for c in selectors.consents_for(actor=w.citizen)] == [given.id]
    assert selectors.consents_for(actor=w.other_citizen) == []
