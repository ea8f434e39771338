from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory

from yiwang.audit import domain
from yiwang.audit.actors import SYSTEM, anonymous, system_actor
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import (
    AuditError,
    PayloadTooLarge,
    event_fields,
    record_event,
    subject_key,
)
from yiwang.core import middleware
from yiwang.identity.models import Account, Department, Firm, Membership, Person, Region

NATIONAL_ID = "11010519491231002X"
USCC = "91350100M000100Y43"


@pytest.fixture
def region(db: Any) -> Region:
    return Region.objects.create(code="R1", level="district", name_zh="一区", name_en="District 1")


def department(region: Region, code: str) -> Department:
    return Department.objects.create(code=code, region=region, name_zh=code, name_en=code)


def staff(username: str, display_name: str = "") -> Account:
    return Account.objects.create_user(username, kind="staff", display_name=display_name)


def test_event_carries_everything_the_caller_gave(db: Any) -> None:
    token = middleware._request_id.set("req-42")
    try:
        event = record_event(
            actor=system_actor("scheduler"),
            action="applications.case_escalated",
            object_type="applications.case",
            object_id=77,
            subjects=["person:" + NATIONAL_ID, "firm:" + USCC, "person:" + NATIONAL_ID],
            purpose="deadline",
            data={"days_late": 3, "when": dt.date(2026, 3, 1)},
        )
    finally:
        middleware._request_id.reset(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_type, stored.actor_id, stored.actor_label) == (
        "system",
        "scheduler",
        "yiwang scheduler",
    )
    assert stored.action == "applications.case_escalated"
    assert (stored.object_type, stored.object_id) == ("applications.case", "77")
    assert stored.subjects == ["person:" + NATIONAL_ID, "firm:" + USCC]  # duplicates dropped
    assert stored.purpose == "deadline"
    assert stored.request_id == "req-42"
    assert stored.data == {"days_late": 3, "when": "2026-03-01"}
    assert bytes(stored.content_hash) == domain.content_hash(event_fields(stored))


def test_event_rolled_back_with_its_transaction_does_not_appear(db: Any) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        record_event(actor=SYSTEM, action="test.rolled_back")
        raise Boom
    record_event(actor=SYSTEM, action="test.kept")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]


def test_object_type_and_id_come_from_the_object(region: Region) -> None:
    dept = department(region, "psb")
    event = record_event(actor=SYSTEM, action="identity.department_changed", obj=dept)
    assert (event.object_type, event.object_id) == ("identity.department", str(dept.pk))


def test_unsaved_object_is_refused(region: Region) -> None:
    with pytest.raises(AuditError, match="save the object"):
        record_event(actor=SYSTEM, action="test.x", obj=Department(code="x", region=region))


def test_staff_department_and_role_from_their_only_membership(region: Region) -> None:
    clerk = staff("clerk", "Li Si")
    Membership.objects.create(account=clerk, department=department(region, "psb"), role="reviewer")
    event = record_event(actor=clerk, action="applications.case_reviewed")
    assert (event.actor_type, event.actor_id, event.actor_label) == (
        "staff",
        str(clerk.pk),
        "Li Si",
    )
    assert (event.actor_department, event.actor_role) == ("psb", "reviewer")


def test_staff_with_several_memberships_is_recorded_as_the_caller_says(region: Region) -> None:
    clerk = staff("clerk")
    psb, tax = department(region, "psb"), department(region, "tax")
    Membership.objects.create(account=clerk, department=psb, role="reviewer")
    Membership.objects.create(account=clerk, department=tax, role="approver")
    unsure = record_event(actor=clerk, action="test.acted")
    assert (unsure.actor_department, unsure.actor_role, unsure.actor_label) == ("", "", "clerk")
    explicit = record_event(actor=clerk, action="test.acted", department=tax, role="approver")
    assert (explicit.actor_department, explicit.actor_role) == ("tax", "approver")


def test_citizen_is_recorded_as_a_person(db: Any) -> None:
    citizen = Account.objects.create_user("zhang", kind="citizen", display_name="张三")
    event = record_event(actor=citizen, action="applications.submitted")
    assert (event.actor_type, event.actor_id, event.actor_label) == (
        "person",
        str(citizen.pk),
        "张三",
    )


def test_anonymous_actor_keeps_the_network_address(db: Any) -> None:
    request = RequestFactory().post("/login", REMOTE_ADDR="203.0.113.9")
    event = record_event(actor=anonymous(request), action="identity.login_failed")
    assert (event.actor_type, event.actor_id) == ("anonymous", "203.0.113.9")
    nobody = record_event(actor=AnonymousUser(), action="identity.login_failed")
    assert (nobody.actor_type, nobody.actor_id) == ("anonymous", "")


def test_people_and_firms_become_subject_keys(db: Any) -> None:
    citizen = Person.objects.create(name="张三", national_id=NATIONAL_ID)
    foreigner = Person.objects.create(
        name="Ann", id_kind="passport", passport_number="X123", nationality="GBR"
    )
    firm = Firm.objects.create(uscc=USCC, name="演示餐厅")
    event = record_event(actor=SYSTEM, action="exchange.read", subjects=[citizen, foreigner, firm])
    assert event.subjects == [
        "person:" + NATIONAL_ID,
        "person:passport:GBR:X123",
        "firm:" + USCC,
    ]
    assert subject_key("firm:" + USCC) == "firm:" + USCC


_LOOP: list[Any] = []
_LOOP.append(_LOOP)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "Login"}, "dotted lower-case"),
        ({"action": "identity"}, "dotted lower-case"),
        ({"subjects": ["someone"]}, "must look like"),
        ({"subjects": [42]}, "Person, a Firm or a string"),
        ({"data": {"when": object()}}, "cannot be stored as JSON"),
        ({"data": {"x": float("nan")}}, "cannot be stored as JSON"),
        ({"data": {"loop": _LOOP}}, "cannot be stored as JSON"),
        ({"data": {"half": "\ud800"}}, "not valid text"),
        ({"purpose": "half \udfff"}, "not valid text"),
        ({"data": ["not", "a", "dict"]}, "must be a dict"),
        ({"purpose": "line\nbreak"}, "control character"),
        ({"object_type": "x" * 101, "object_id": "1"}, "limit is 100"),
    ],
)
def test_bad_input_is_refused_with_a_reason(db: Any, kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"actor": SYSTEM, "action": "test.refused"} | kwargs
    with pytest.raises(AuditError, match=message):
        record_event(**arguments)
    assert not AuditEvent.objects.exists()


def test_payload_over_8_kb_is_refused(db: Any) -> None:
    record_event(actor=SYSTEM, action="test.fits", data={"text": "x" * 8000})
    with pytest.raises(PayloadTooLarge, match="8192"):
        record_event(actor=SYSTEM, action="test.too_big", data={"text": "字" * 3000})
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.fits"]


def test_control_characters_in_display_names_are_neutralised(db: Any) -> None:
    odd = Account.objects.create_user("odd", kind="citizen", display_name="A\x1fB\nC")
    event = record_event(actor=odd, action="test.acted")
    assert event.actor_label == "A B C"


def test_unknown_actor_is_refused(db: Any) -> None:
    with pytest.raises(AuditError, match="actor must be"):
        record_event(actor="admin", action="test.acted")


def test_an_actor_value_is_checked_each_time_it_is_used(db: Any) -> None:
    from yiwang.audit.actors import Actor

    clerk = Actor("staff", "41", "Clerk\nWang", department="amr", role="reviewer")
    first = record_event(actor=clerk, action="test.acted")
    again = record_event(actor=clerk, action="test.acted", department="psb", role="approver")

    assert (first.actor_label, first.actor_department, first.actor_role) == (
        "Clerk Wang",
        "amr",
        "reviewer",
    )
    assert (again.actor_department, again.actor_role) == ("psb", "approver")
    with pytest.raises(AuditError, match="control character"):
        record_event(actor=Actor("staff", "4\x002", "Clerk"), action="test.acted")
    # An id that is not a value cannot be remembered; it is checked (and written) as before.
    odd = record_event(actor=Actor("staff", [4, 2], "Clerk"), action="test.acted")  # type: ignore[arg-type]
    assert odd.actor_id == "[4, 2]"


def test_insert_columns_follow_the_model_field_order() -> None:
    from yiwang.audit.services.recording import _COLUMNS

    assert [f.attname for f in AuditEvent._meta.concrete_fields] == ["id", *_COLUMNS]
