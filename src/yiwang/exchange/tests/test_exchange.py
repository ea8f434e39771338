"""The governed read: the authorisation matrix, masking, provenance, audit and access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from yiwang.core import clock
from yiwang.exchange import constants, hooks, policy, services
from yiwang.exchange.constants import Outcome, Reason, SharingClass
from yiwang.exchange.models import AccessLogEntry, SharingAgreement
from yiwang.exchange.types import (
    ConnectorError,
    ExchangeDenied,
    FetchedRecord,
    Requester,
)
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import national_id_for

from .conftest import World, events_after, last_event_id
from .helpers import agreement, log_entry, read, tax_reader, today

DAY = dt.timedelta(days=1)


def grant(
    world: World,
    *,
    fields: tuple[str, ...] = ("insured",),
    expires_in: dt.timedelta = dt.timedelta(days=30),
    consumer: str = "tax_office",
) -> Any:
    return services.grant_consent(
        actor=world.citizen,
        consumer=consumer,
        registry="contributions",
        purpose="benefit_assessment",
        fields=fields,
        expires_at=clock.now() + expires_in,
    )


def consent_agreement(world: World, **overrides: Any) -> SharingAgreement:
    values: dict[str, Any] = {
        "code": "tax_contributions",
        "registry": "contributions",
        "fields": ("insured", "monthly_contribution"),
        "sharing_class": SharingClass.CONDITIONAL,
        "requires_consent": True,
    }
    values.update(overrides)
    return agreement(world, **values)


def case_open(*, case_ref: str, subject_kind: str, subject_key: str, consumer: str) -> bool:
    return case_ref == "CASE-1" and consumer == "tax_office"


def _suspend(w: World) -> None:
    agreement(w)
    services.suspend_agreement(actor=w.registrar_officer, agreement="tax_people", note="audit")


def _revoke(w: World) -> None:
    agreement(w)
    services.revoke_agreement(actor=w.registrar_officer, agreement="tax_people", note="ended")


def _consent_revoked(w: World) -> None:
    consent_agreement(w)
    given = grant(w)
    services.revoke_consent(actor=w.citizen, consent_id=given.id)


def _consent_expired(w: World, monkeypatch: Any) -> None:
    consent_agreement(w)
    grant(w, expires_in=dt.timedelta(hours=1))
    later = clock.now() + dt.timedelta(hours=2)
    monkeypatch.setattr(clock, "now", lambda: later)


CONTRIBUTIONS = {"registry": "contributions", "fields": ["insured"]}

# (case, set-up, read arguments, expected reason)
MATRIX: list[tuple[str, Callable[..., None], dict[str, Any], str]] = [
    ("no agreement", lambda w, m: None, {}, Reason.NO_AGREEMENT),
    (
        "expired",
        lambda w, m: agreement(w, valid_from=today() - 30 * DAY, valid_until=today() - DAY),
        {},
        Reason.EXPIRED,
    ),
    (
        "not yet valid",
        lambda w, m: agreement(w, valid_from=today() + DAY),
        {},
        Reason.NOT_YET_VALID,
    ),
    ("suspended", lambda w, m: _suspend(w), {}, Reason.SUSPENDED),
    ("revoked", lambda w, m: _revoke(w), {}, Reason.REVOKED),
    ("requested only", lambda w, m: agreement(w, approve=False), {}, Reason.AGREEMENT_PENDING),
    ("wrong purpose", lambda w, m: agreement(w), {"purpose": "statistics"}, Reason.WRONG_PURPOSE),
    ("wrong role", lambda w, m: agreement(w, roles=("approver",)), {}, Reason.WRONG_ROLE),
    (
        "field outside",
        lambda w, m: agreement(w),
        {"fields": ["person_name", "address"]},
        Reason.FIELD_OUTSIDE_AGREEMENT,
    ),
    (
        "conditional without consent",
        lambda w, m: consent_agreement(w),
        CONTRIBUTIONS,
        Reason.CONSENT_MISSING,
    ),
    (
        "consent for other fields",
        lambda w, m: (consent_agreement(w), grant(w, fields=("monthly_contribution",))),
        CONTRIBUTIONS,
        Reason.CONSENT_MISSING,
    ),
    (
        "consent for another consumer",
        lambda w, m: (consent_agreement(w), grant(w, consumer="welfare")),
        CONTRIBUTIONS,
        Reason.CONSENT_MISSING,
    ),
    ("consent revoked", lambda w, m: _consent_revoked(w), CONTRIBUTIONS, Reason.CONSENT_REVOKED),
    ("consent expired", _consent_expired, CONTRIBUTIONS, Reason.CONSENT_EXPIRED),
    (
        "not shared",
        lambda w, m: (
            agreement(w),
            agreement(
                w,
                code="tax_people_never",
                fields=("birth_date",),
                sharing_class=SharingClass.NOT_SHARED,
            ),
        ),
        {},
        Reason.NOT_SHARED,
    ),
    (
        "open case without case",
        lambda w, m: agreement(w, sharing_class=SharingClass.CONDITIONAL, requires_open_case=True),
        {},
        Reason.NO_OPEN_CASE,
    ),
    (
        "open case without a checker",
        lambda w, m: agreement(w, sharing_class=SharingClass.CONDITIONAL, requires_open_case=True),
        {"case_ref": "CASE-1"},
        Reason.NO_OPEN_CASE,
    ),
    (
        "open case not vouched for",
        lambda w, m: (
            agreement(w, sharing_class=SharingClass.CONDITIONAL, requires_open_case=True),
            hooks.register_case_checker(case_open),
        ),
        {"case_ref": "CASE-2"},
        Reason.NO_OPEN_CASE,
    ),
    (
        "unknown subject",
        lambda w, m: agreement(w),
        {"subject": national_id_for(999_999)},
        Reason.UNKNOWN_SUBJECT,
    ),
    (
        "unknown purpose",
        lambda w, m: agreement(w),
        {"purpose": "curiosity"},
        Reason.UNKNOWN_PURPOSE,
    ),
    ("unknown field", lambda w, m: agreement(w), {"fields": ["shoe_size"]}, Reason.UNKNOWN_FIELD),
    ("no fields", lambda w, m: agreement(w), {"fields": []}, Reason.NO_FIELDS),
    (
        "role the official does not hold",
        lambda w, m: agreement(w),
        {"requester": "approver"},
        Reason.UNKNOWN_REQUESTER,
    ),
]


@pytest.mark.parametrize(("case", "setup", "kwargs", "reason"), MATRIX, ids=[m[0] for m in MATRIX])
def test_refused_reads_are_audited_with_the_reason(
    populated: World,
    monkeypatch: Any,
    case: str,
    setup: Callable[..., None],
    kwargs: dict[str, Any],
    reason: str,
) -> None:
    w = populated
    setup(w, monkeypatch)
    requester = tax_reader(w, kwargs.pop("requester", Role.REVIEWER))
    mark = last_event_id()
    result = read(w, requester, **kwargs)

    assert not result.allowed
    assert result.reason == reason
    assert result.records == ()
    with pytest.raises(ExchangeDenied):
        result.raise_if_denied()
    [event] = events_after(mark)
    assert event.action == constants.ACTION_READ
    assert event.data["outcome"] == Outcome.DENIED
    assert event.data["reason"] == reason
    assert event.data["records"] == []
    assert event.actor_department == "tax_office"
    entry = log_entry(result)
    assert entry is not None
    assert entry.outcome == Outcome.DENIED and entry.reason == reason
    assert entry.subject_key == result.subject
    assert entry.records == []


def test_allowed_read_returns_only_agreed_fields_masked_with_provenance(
    populated: World,
) -> None:
    w = populated
    agreement(w, masking={"person_name": "first1_last1", "birth_date": "birth_year_only"})
    mark = last_event_id()
    result = read(w, fields=["person_name", "birth_date"])

    assert result.allowed and result.reason == Reason.ALLOWED
    assert result.agreement == "tax_people"
    record = result.record
    assert record is not None
    assert dict(record.values) == {"person_name": "李*", "birth_date": "1990"}
    assert dict(record.masking) == {"person_name": "first1_last1", "birth_date": "birth_year_only"}
    prov = record.provenance
    assert (prov.registry, prov.department, prov.record_key, prov.version) == (
        "people",
        "registrar",
        w.national_id,
        1,
    )
    assert result.legal_basis is not None
    assert result.legal_basis.url == "https://law.example.org/tax/3"

    [event] = events_after(mark)
    assert event.data["outcome"] == Outcome.SERVED
    assert event.data["agreement"] == "tax_people"
    assert event.data["records"] == [{"key": w.national_id, "version": 1}]
    assert event.subjects == [f"person:{w.national_id}"]
    assert event.purpose == "benefit_assessment"
    # Values never reach the append-only log.
    assert "李" not in event.data_json
    entry = log_entry(result)
    assert entry is not None and entry.outcome == Outcome.SERVED
    assert entry.agreement is not None and entry.agreement.code == "tax_people"
    assert entry.legal_basis_en == "Example Tax Act, article 3"
    assert entry.audit_event_id == str(event.pk)


def test_hidden_field_is_present_but_empty(populated: World) -> None:
    w = populated
    agreement(w, masking={"sex": "hide"})
    result = read(w, fields=["person_name", "sex"])
    assert result.record is not None
    assert dict(result.record.values) == {"person_name": "李华", "sex": None}
    assert result.record.masking["sex"] == "hide"


def test_reads_see_the_latest_version(populated: World) -> None:
    w = populated
    agreement(w)
    services.update_record(
        actor=w.registrar_officer,
        registry="people",
        record_key=w.national_id,
        changes={"person_name": "李小华"},
        reason="name changed",
    )
    result = read(w, fields=["person_name"])
    assert result.record is not None
    assert result.record.values["person_name"] == "李小华"
    assert result.record.provenance.version == 2


def test_consent_opens_conditional_data_and_revocation_closes_it_at_once(
    populated: World,
) -> None:
    w = populated
    consent_agreement(w)
    given = grant(w, fields=("insured", "monthly_contribution"))
    result = read(w, **{"registry": "contributions", "fields": ["insured", "monthly_contribution"]})
    assert result.allowed
    assert result.record is not None
    assert dict(result.record.values) == {"insured": True, "monthly_contribution": "812.50"}
    services.revoke_consent(actor=w.citizen, consent_id=given.id)
    assert read(w, **CONTRIBUTIONS).reason == Reason.CONSENT_REVOKED


def test_open_case_checker_opens_case_bound_agreements(populated: World) -> None:
    w = populated
    agreement(w, sharing_class=SharingClass.CONDITIONAL, requires_open_case=True)
    hooks.register_case_checker(case_open)
    result = read(w, case_ref="CASE-1")
    assert result.allowed
    assert log_entry(result).case_ref == "CASE-1"  # type: ignore[union-attr]


def test_a_failing_case_checker_never_opens_access(populated: World) -> None:
    w = populated
    agreement(w, sharing_class=SharingClass.CONDITIONAL, requires_open_case=True)

    def broken(**kwargs: Any) -> bool:
        raise RuntimeError("applications database is down")

    hooks.register_case_checker(broken)
    assert read(w, case_ref="CASE-1").reason == Reason.NO_OPEN_CASE


def test_the_refusal_names_the_agreement_that_came_closest(populated: World) -> None:
    w = populated
    agreement(w, code="tax_people_stats", purposes=("statistics",))
    agreement(w, code="tax_people_roles", roles=("approver",))
    result = read(w)
    assert result.reason == Reason.WRONG_ROLE
    assert result.agreement == "tax_people_roles"


def test_invalid_identifier_is_audited_but_not_logged_for_anyone(populated: World) -> None:
    w = populated
    agreement(w)
    mark = last_event_id()
    before = AccessLogEntry.objects.count()
    result = read(w, subject="110101199003071230")  # wrong check digit
    assert result.reason == Reason.INVALID_SUBJECT
    assert AccessLogEntry.objects.count() == before
    [event] = events_after(mark)
    assert event.data["reason"] == Reason.INVALID_SUBJECT
    assert event.subjects == []


def test_unknown_registry_is_refused_and_audited(populated: World) -> None:
    w = populated
    mark = last_event_id()
    result = read(w, registry="secret_files")
    assert result.reason == Reason.UNKNOWN_REGISTRY
    assert result.access_log_id is None
    assert len(events_after(mark, constants.ACTION_READ)) == 1


def test_official_claiming_another_department_is_refused(populated: World) -> None:
    w = populated
    agreement(w)
    impostor = Requester.official(w.welfare_reviewer, department="tax_office", role="reviewer")
    assert read(w, impostor).reason == Reason.UNKNOWN_REQUESTER


def test_inactive_official_is_refused(populated: World) -> None:
    w = populated
    agreement(w)
    w.tax_reviewer.is_active = False
    w.tax_reviewer.save()
    assert read(w).reason == Reason.UNKNOWN_REQUESTER


def test_several_records_of_one_subject_are_all_served_retired_ones_not(
    populated: World,
) -> None:
    w = populated
    for number in ("A0000001", "A0000002", "A0000003"):
        services.create_record(
            actor=w.registrar_officer,
            registry="certificates",
            reason="issued",
            values={
                "certificate_number": number,
                "holder_national_id": w.national_id,
                "holder_name": "李华",
            },
        )
    services.retire_record(
        actor=w.registrar_officer,
        registry="certificates",
        record_key="A0000002",
        reason="withdrawn",
    )
    agreement(
        w,
        code="tax_certs",
        registry="certificates",
        fields=("certificate_number", "holder_name"),
        masking={"certificate_number": "last4"},
    )
    result = read(w, registry="certificates", fields=["certificate_number"])
    assert result.allowed
    assert [r.provenance.record_key for r in result.records] == ["A0000001", "A0000003"]
    assert [r.values["certificate_number"] for r in result.records] == ["****0001", "****0003"]
    assert log_entry(result).records == [  # type: ignore[union-attr]
        {"key": "A0000001", "version": 1},
        {"key": "A0000003", "version": 1},
    ]


def test_department_system_reads_firm_data_under_a_system_agreement(populated: World) -> None:
    w = populated
    system = services.register_system(
        actor=w.welfare_officer, department="welfare", name="statistics"
    )
    requester = Requester.for_system(system)
    result = services.read(
        requester=requester,
        subject=w.firm_uscc,
        fields=["firm_name", "employee_count"],
        purpose="statistics",
        registry="firms",
    )
    assert result.allowed
    assert result.record is not None
    assert result.record.values == {"firm_name": "示例餐饮有限公司", "employee_count": 12}
    entry = log_entry(result)
    assert entry is not None and entry.subject_kind == "firm" and entry.system == system
    services.deactivate_system(actor=w.welfare_officer, system=system)
    again = services.read(
        requester=requester,
        subject=w.firm_uscc,
        fields=["firm_name"],
        purpose="statistics",
        registry="firms",
    )
    assert again.reason == Reason.UNKNOWN_REQUESTER


class FakeConnector:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.asked: list[tuple[str, str]] = []

    def fetch(
        self, *, registry: str, config: Any, subject: str, fields: tuple[str, ...]
    ) -> list[FetchedRecord]:
        self.asked.append((registry, subject))
        if self.fail:
            raise ConnectorError("connection refused")
        return [
            FetchedRecord(subject, {"national_id": subject, "person_name": "李华"}, 7, clock.now())
        ]


def test_remote_registry_is_read_through_its_connector(populated: World) -> None:
    w = populated
    agreement(w, code="tax_remote", registry="remote_people", fields=("person_name",))
    connector = FakeConnector()
    hooks.register_connector("test-remote", connector)
    result = read(w, registry="remote_people", fields=["person_name"])
    assert result.allowed
    assert result.record is not None and result.record.provenance.version == 7
    assert connector.asked == [("remote_people", w.national_id)]


def test_remote_registry_that_cannot_answer_is_refused_and_logged(populated: World) -> None:
    w = populated
    agreement(w, code="tax_remote", registry="remote_people", fields=("person_name",))
    assert read(w, registry="remote_people", fields=["person_name"]).reason == (
        Reason.REGISTRY_UNAVAILABLE
    )
    hooks.register_connector("test-remote", FakeConnector(fail=True))
    result = read(w, registry="remote_people", fields=["person_name"])
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    assert log_entry(result).outcome == Outcome.DENIED  # type: ignore[union-attr]


def test_denied_policy_agreement_codes_are_not_leaked_across_consumers(populated: World) -> None:
    w = populated
    # welfare has agreements on people (fixture); tax_office has none.
    assert read(w).agreement is None


# --- Policy reload: no cache outlives a change -----------------------------------------------


def test_suspension_is_honoured_on_the_next_read_without_touching_the_cache(
    populated: World,
) -> None:
    w = populated
    agreement(w)
    assert read(w).allowed
    cached = policy._current
    assert cached is not None
    # Another process suspends: it only writes to the database.
    services.suspend_agreement(
        actor=w.registrar_officer, agreement="tax_people", note="leak investigation"
    )
    assert policy._current is cached  # this process's cache was not told anything
    assert read(w).reason == Reason.SUSPENDED
    services.resume_agreement(actor=w.registrar_officer, agreement="tax_people")
    assert read(w).allowed
    services.revoke_agreement(actor=w.registrar_officer, agreement="tax_people", note="ended")
    assert read(w).reason == Reason.REVOKED


def test_the_version_token_is_what_invalidates_the_cache(populated: World) -> None:
    w = populated
    agreement(w)
    assert read(w).allowed
    # A write that skips the services (and so the version bump) is not seen: proof that the
    # per-process cache is real and that the token, not luck, makes changes visible.
    SharingAgreement.objects.filter(code="tax_people").update(state="suspended")
    assert read(w).allowed
    policy.bump()
    assert read(w).reason == Reason.SUSPENDED


def test_a_rolled_back_change_never_poisons_the_cache(populated: World) -> None:
    w = populated
    agreement(w)
    assert read(w).allowed
    with pytest.raises(RuntimeError), transaction.atomic():
        services.suspend_agreement(actor=w.registrar_officer, agreement="tax_people", note="trial")
        assert read(w).reason == Reason.SUSPENDED  # cached under the uncommitted token
        raise RuntimeError("roll back")
    assert policy._current is not None
    assert policy._current.token != policy.current_token()
    assert read(w).allowed


def test_policy_text_lists_approved_agreements_only(populated: World) -> None:
    w = populated
    agreement(w)
    agreement(w, code="tax_people_pending", approve=False)
    from yiwang.exchange import selectors

    text = selectors.policy_text()
    assert '@id("agreement:tax_people")' in text
    assert "tax_people_pending" not in text


# --- The hot path stays a handful of queries ---------------------------------------------------


def statements(run: Callable[[], Any]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run()
    # The audit log's own insert is its business (it may even bypass the query log): count ours.
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
        and "audit_auditevent" not in q["sql"]
    ]


def test_a_served_read_costs_four_statements_however_many_records(populated: World) -> None:
    w = populated
    for number in ("B0000001", "B0000002", "B0000003"):
        services.create_record(
            actor=w.registrar_officer,
            registry="certificates",
            reason="issued",
            values={
                "certificate_number": number,
                "holder_national_id": w.national_id,
                "holder_name": "李华",
            },
        )
    agreement(
        w, code="tax_certs", registry="certificates", fields=("certificate_number", "holder_name")
    )
    read(w, registry="certificates", fields=["certificate_number"])  # warm the policy cache
    mark = last_event_id()
    sql = statements(lambda: read(w, registry="certificates", fields=["certificate_number"]))
    # policy token, membership, the records, the access-log row (plus the audit event)
    assert len(sql) == 4, sql
    assert "exchange_policyversion" in sql[0]
    assert "exchange_registryrecord" in sql[2]
    assert sql[3].startswith("INSERT")
    assert len(events_after(mark)) == 1


def test_consent_costs_one_more_statement(populated: World) -> None:
    w = populated
    consent_agreement(w)
    grant(w)
    read(w, **CONTRIBUTIONS)
    sql = statements(lambda: read(w, **CONTRIBUTIONS))
    assert len(sql) == 5, sql
    assert any("exchange_consent" in s for s in sql)
