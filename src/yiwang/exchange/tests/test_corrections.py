"""Registry correction requests (数据纠错): the owning department's data officers decide them —
corrected, or not corrected with a reason — once, audited, and the person is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors, services
from yiwang.exchange.constants import (
    ACTION_CORRECTION_CORRECTED,
    ACTION_CORRECTION_REJECTED,
    CorrectionStatus,
)
from yiwang.exchange.tests.conftest import World, events_after, last_event_id
from yiwang.notifications.selectors import inbox_for

pytestmark = pytest.mark.django_db


def report(w: World, *, note: str = "We moved in May.", language: str = "en") -> Any:
    with translation.override(language):
        return services.request_registry_correction(
            actor=w.citizen,
            registry="people",
            subject=w.national_id,
            field="address",
            note=note,
            record_key=w.national_id,
            record_version=1,
            case_ref="R-2026-000001",
        )


def test_the_owning_officer_marks_a_report_corrected_and_the_person_is_told(
    populated: World,
) -> None:
    w = populated
    asked = report(w)
    mark = last_event_id()
    decided = services.mark_registry_corrected(
        actor=w.registrar_officer, correction_id=asked.pk, note="Address updated."
    )
    assert decided.status == CorrectionStatus.CORRECTED
    assert decided.decision_note == "Address updated."
    assert decided.decided_at is not None
    assert decided.decided_by == str(w.registrar_officer)
    [event] = events_after(mark, ACTION_CORRECTION_CORRECTED)
    assert event.object_id == str(asked.pk)
    assert event.subjects == [f"person:{w.national_id}"]
    assert event.data["registry"] == "people" and event.data["field"] == "address"
    assert event.data["note"] == "Address updated."
    assert event.data["record_version_now"] == 1
    # Written in the language the person reported in, to their inbox.
    [message] = inbox_for(actor=w.citizen)
    assert "corrected" in message.subject and "People registry" in message.subject
    assert "Address updated." in message.body
    assert inbox_for(actor=w.other_citizen).count() == 0


def test_rejecting_needs_a_reason_which_the_person_reads_in_their_language(
    populated: World,
) -> None:
    w = populated
    asked = report(w, language="zh-hans")
    mark = last_event_id()
    with pytest.raises(ValidationError) as missing:
        services.reject_registry_correction(
            actor=w.registrar_officer, correction_id=asked.pk, reason="  "
        )
    assert "reason" in missing.value.message_dict
    assert events_after(mark) == []
    assert selectors.registry_correction_for(
        actor=w.registrar_officer, correction_id=asked.pk
    ).is_open  # type: ignore[union-attr]
    decided = services.reject_registry_correction(
        actor=w.registrar_officer,
        correction_id=asked.pk,
        reason="The household register shows this address since 2019.",
    )
    assert decided.status == CorrectionStatus.REJECTED
    [event] = events_after(mark, ACTION_CORRECTION_REJECTED)
    assert event.data["note"] == "The household register shows this address since 2019."
    [message] = inbox_for(actor=w.citizen)
    assert "未予更正" in message.subject and "人口库" in message.subject
    assert "理由：The household register shows this address since 2019." in message.body


def test_a_decided_report_cannot_be_decided_again(populated: World) -> None:
    w = populated
    asked = report(w)
    services.mark_registry_corrected(actor=w.registrar_officer, correction_id=asked.pk)
    mark = last_event_id()
    for decide in (
        lambda: services.reject_registry_correction(
            actor=w.registrar_officer, correction_id=asked.pk, reason="Changed my mind"
        ),
        lambda: services.mark_registry_corrected(actor=w.registrar_officer, correction_id=asked.pk),
    ):
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            decide()
        assert "already decided" in refused.value.messages[0]
    assert events_after(mark) == []
    assert inbox_for(actor=w.citizen).count() == 1
    found = selectors.registry_correction_for(actor=w.registrar_officer, correction_id=asked.pk)
    assert found is not None and found.status == CorrectionStatus.CORRECTED


def test_only_the_owning_departments_data_officers_decide(populated: World) -> None:
    w = populated
    asked = report(w)
    mark = last_event_id()
    for outsider in (w.commerce_officer, w.welfare_officer, w.welfare_reviewer, w.citizen):
        with pytest.raises(PermissionDenied):
            services.mark_registry_corrected(actor=outsider, correction_id=asked.pk, note="x")
        with pytest.raises(PermissionDenied):
            services.reject_registry_correction(actor=outsider, correction_id=asked.pk, reason="x")
        assert selectors.registry_correction_for(actor=outsider, correction_id=asked.pk) is None
        assert selectors.registry_corrections_for(actor=outsider) == []
    with pytest.raises(PermissionDenied):
        services.mark_registry_corrected(actor=w.registrar_officer, correction_id=asked.pk + 99)
    assert events_after(mark) == []
    assert selectors.registry_corrections_for(actor=w.registrar_officer)[0].is_open


def test_officers_see_open_reports_first_and_subjects_masked(populated: World) -> None:
    w = populated
    first = report(w, note="Wrong street")
    second = report(w, note="Wrong number")
    services.mark_registry_corrected(actor=w.registrar_officer, correction_id=second.pk)
    third = report(w, note="Still wrong")
    with translation.override("en"):
        rows = selectors.registry_corrections_for(actor=w.registrar_officer)
    assert [r.id for r in rows] == [third.pk, first.pk, second.pk]
    assert rows[0].subject_masked == "*" * 14 + w.national_id[-4:]
    assert rows[0].reported_by == "李*"  # the citizen's name, 李华, masked
    assert rows[0].field_name == "Address" and rows[0].registry_name == "People registry"
    decided = selectors.registry_corrections_for(
        actor=w.registrar_officer, status=CorrectionStatus.CORRECTED
    )
    assert [r.id for r in decided] == [second.pk]


def test_the_person_sees_their_own_reports_and_outcomes_only(populated: World) -> None:
    w = populated
    asked = report(w)
    services.reject_registry_correction(
        actor=w.registrar_officer, correction_id=asked.pk, reason="Matches the register."
    )
    [mine] = selectors.registry_corrections_reported_by(actor=w.citizen)
    assert mine.status == CorrectionStatus.REJECTED
    assert mine.decision_note == "Matches the register."
    assert mine.decided_by == ""  # the person is answered by the department, not a name
    assert mine.provider_code == "registrar"
    assert selectors.registry_corrections_reported_by(actor=w.other_citizen) == []
    assert selectors.registry_corrections_reported_by(actor=w.registrar_officer) == []
