"""Any sequence of reads: exactly one audit event per read, one access-log row per read of a
valid subject in a known registry (served or refused), and the right subject on each."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from yiwang.exchange import constants, domain, services
from yiwang.exchange.constants import Outcome
from yiwang.exchange.models import AccessLogEntry
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import national_id_for

from .conftest import World, events_after, last_event_id

UNKNOWN_PERSON = national_id_for(777_777)
BAD_ID = "11010119900307123X"  # wrong check character
REGISTRIES = {"people": "person", "contributions": "person", "firms": "firm"}

reads = st.lists(
    st.fixed_dictionaries(
        {
            "subject": st.sampled_from(["person", "unknown_person", "firm", "bad"]),
            "registry": st.sampled_from(["people", "contributions", "firms", "nowhere"]),
            "fields": st.lists(
                st.sampled_from(
                    [
                        "person_name",
                        "birth_date",
                        "sex",
                        "address",
                        "insured",
                        "firm_name",
                        "employee_count",
                        "shoe_size",
                    ]
                ),
                max_size=3,
            ),
            "purpose": st.sampled_from(["benefit_assessment", "statistics", "curiosity"]),
            "requester": st.sampled_from(
                ["welfare_reviewer", "welfare_auditor", "tax_reviewer", "welfare_as_tax"]
            ),
        }
    ),
    min_size=1,
    max_size=12,
)


def requester_for(w: World, name: str) -> Requester:
    return {
        "welfare_reviewer": Requester.official(
            w.welfare_reviewer, department="welfare", role=Role.REVIEWER
        ),
        "welfare_auditor": Requester.official(
            w.welfare_auditor, department="welfare", role=Role.AUDITOR
        ),
        "tax_reviewer": Requester.official(
            w.tax_reviewer, department="tax_office", role=Role.REVIEWER
        ),
        "welfare_as_tax": Requester.official(
            w.welfare_reviewer, department="tax_office", role=Role.REVIEWER
        ),
    }[name]


def expected_subject(registry: str, subject: str) -> str | None:
    """The key a read is logged under, or None when it is logged for nobody."""
    kind = REGISTRIES.get(registry)
    if kind is None:
        return None
    try:
        return domain.normalise_subject(kind, subject)
    except domain.SubjectInvalid:
        return None


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=reads)
@example(
    batch=[
        # Served, refused for the field, served for a firm, logged for nobody, unknown person.
        {
            "subject": "person",
            "registry": "people",
            "fields": ["person_name", "sex"],
            "purpose": "benefit_assessment",
            "requester": "welfare_reviewer",
        },
        {
            "subject": "person",
            "registry": "people",
            "fields": ["address"],
            "purpose": "benefit_assessment",
            "requester": "welfare_reviewer",
        },
        {
            "subject": "firm",
            "registry": "firms",
            "fields": ["firm_name"],
            "purpose": "statistics",
            "requester": "welfare_reviewer",
        },
        {
            "subject": "bad",
            "registry": "people",
            "fields": ["person_name"],
            "purpose": "benefit_assessment",
            "requester": "welfare_reviewer",
        },
        {
            "subject": "unknown_person",
            "registry": "people",
            "fields": ["person_name"],
            "purpose": "benefit_assessment",
            "requester": "welfare_reviewer",
        },
    ]
)
def test_every_read_is_audited_once_and_logged_for_its_subject(
    populated: World, batch: list[dict[str, Any]]
) -> None:
    w = populated
    subjects = {
        "person": w.national_id,
        "unknown_person": UNKNOWN_PERSON,
        "firm": w.firm_uscc,
        "bad": BAD_ID,
    }
    mark = last_event_id()
    last_entry = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    results = []
    for spec in batch:
        subject = subjects[spec["subject"]]
        result = services.read(
            requester=requester_for(w, spec["requester"]),
            subject=subject,
            fields=spec["fields"],
            purpose=spec["purpose"],
            registry=spec["registry"],
        )
        results.append((spec, subject, result))

    events = events_after(mark)
    assert len(events) == len(batch)
    assert {e.action for e in events} == {constants.ACTION_READ}
    assert [e.data["outcome"] for e in events] == [
        Outcome.SERVED if r.allowed else Outcome.DENIED for _, _, r in results
    ]

    entries = {e.pk: e for e in AccessLogEntry.objects.filter(pk__gt=last_entry)}
    logged = [r.access_log_id for _, _, r in results if r.access_log_id is not None]
    assert sorted(logged) == sorted(entries)
    for spec, subject, result in results:
        key = expected_subject(spec["registry"], subject)
        if key is None:
            assert result.access_log_id is None
            continue
        entry = entries[result.access_log_id]  # type: ignore[index]
        assert entry.subject_key == key
        assert entry.subject_kind == REGISTRIES[spec["registry"]]
        assert entry.outcome == (Outcome.SERVED if result.allowed else Outcome.DENIED)
        assert entry.reason == result.reason
        if result.allowed:
            assert key in (w.national_id, w.firm_uscc)
            assert result.records
            assert all(set(r.values) == set(result.fields) for r in result.records)
    served = [e for e in entries.values() if e.outcome == Outcome.SERVED]
    assert len(served) == sum(1 for _, _, r in results if r.allowed)
