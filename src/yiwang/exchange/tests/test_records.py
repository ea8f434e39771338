"""Hosted registry records: validated, versioned with who and why, written by their owners."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, selectors, services
from yiwang.exchange.constants import RecordStatus
from yiwang.exchange.models import RegistryRecordVersion
from yiwang.identity.tests.factories import national_id_for

from .conftest import World, events_after, last_event_id


def person_values(national_id: str, **extra: object) -> dict[str, object]:
    return {"national_id": national_id, "person_name": "张三", "birth_date": "1985-05-05", **extra}


def test_every_version_is_kept_with_who_and_why(loaded: World) -> None:
    w = loaded
    nid = national_id_for(42)
    mark = last_event_id()
    created = services.create_record(
        actor=w.registrar_officer,
        registry="people",
        values=person_values(nid),
        reason="birth registration",
    )
    assert created.version == 1 and created.record_key == nid
    updated = services.update_record(
        actor=w.registrar_officer,
        registry="people",
        record_key=nid,
        changes={"address": "新路2号"},
        reason="moved house",
    )
    assert updated.version == 2
    assert updated.values["address"] == "新路2号"
    cleared = services.update_record(
        actor=w.registrar_officer,
        registry="people",
        record_key=nid,
        changes={"address": None},
        reason="address withdrawn",
    )
    assert "address" not in cleared.values and cleared.version == 3
    retired = services.retire_record(
        actor=w.registrar_officer, registry="people", record_key=nid, reason="record merged"
    )
    assert retired.status == RecordStatus.RETIRED and retired.version == 4

    history = selectors.record_history(actor=w.registrar_officer, registry="people", record_key=nid)
    assert [v.version for v in history] == [1, 2, 3, 4]
    assert [v.reason for v in history] == [
        "birth registration",
        "moved house",
        "address withdrawn",
        "record merged",
    ]
    assert history[1].values["address"] == "新路2号"
    assert history[0].values == {
        "national_id": nid,
        "person_name": "张三",
        "birth_date": "1985-05-05",
    }
    assert {v.changed_by for v in history} == {str(w.registrar_officer)}
    assert history[3].status == RecordStatus.RETIRED
    assert RegistryRecordVersion.objects.filter(changed_by_account=w.registrar_officer).count() == 4

    actions = [e.action for e in events_after(mark)]
    assert actions == [
        constants.ACTION_RECORD_CREATED,
        constants.ACTION_RECORD_UPDATED,
        constants.ACTION_RECORD_UPDATED,
        constants.ACTION_RECORD_RETIRED,
    ]
    updated_event = events_after(mark)[1]
    assert updated_event.data["fields"] == ["address"]
    assert updated_event.subjects == [f"person:{nid}"]
    assert "新路" not in updated_event.data_json  # values stay out of the audit log


def test_an_unchanged_update_makes_no_version(loaded: World) -> None:
    w = loaded
    nid = national_id_for(43)
    services.create_record(
        actor=w.registrar_officer, registry="people", values=person_values(nid), reason="new"
    )
    same = services.update_record(
        actor=w.registrar_officer,
        registry="people",
        record_key=nid,
        changes={"person_name": "张三"},
        reason="no-op",
    )
    assert same.version == 1


def test_records_are_checked_against_their_elements(loaded: World) -> None:
    w = loaded
    with pytest.raises(ValidationError) as caught:
        services.create_record(
            actor=w.registrar_officer,
            registry="people",
            reason="new",
            values={
                "national_id": "110101199003071230",
                "birth_date": "1850-01-01",
                "sex": "9",
                "shoe_size": 42,
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {"national_id", "person_name", "birth_date", "sex", "shoe_size"}
    with pytest.raises(ValidationError) as caught:
        services.create_record(
            actor=w.registrar_officer,
            registry="people",
            values=person_values(national_id_for(44)),
            reason=" ",
        )
    assert "reason" in caught.value.message_dict


def test_key_and_subject_cannot_change_and_keys_are_unique(loaded: World) -> None:
    w = loaded
    nid = national_id_for(45)
    services.create_record(
        actor=w.registrar_officer, registry="people", values=person_values(nid), reason="new"
    )
    with pytest.raises(ValidationError):
        services.create_record(
            actor=w.registrar_officer, registry="people", values=person_values(nid), reason="again"
        )
    with pytest.raises(ValidationError):
        services.update_record(
            actor=w.registrar_officer,
            registry="people",
            record_key=nid,
            changes={"national_id": national_id_for(46)},
            reason="typo",
        )
    services.retire_record(
        actor=w.registrar_officer, registry="people", record_key=nid, reason="gone"
    )
    with pytest.raises(ValidationError):
        services.update_record(
            actor=w.registrar_officer,
            registry="people",
            record_key=nid,
            changes={"person_name": "李四"},
            reason="late",
        )


def test_only_the_owning_department_writes_and_reads_its_records(loaded: World) -> None:
    w = loaded
    nid = national_id_for(47)
    for outsider in (w.welfare_officer, w.commerce_officer, w.welfare_reviewer, w.citizen):
        with pytest.raises(PermissionDenied):
            services.create_record(
                actor=outsider, registry="people", values=person_values(nid), reason="new"
            )
    services.create_record(
        actor=w.registrar_officer, registry="people", values=person_values(nid), reason="new"
    )
    for outsider in (w.welfare_officer, w.commerce_officer, w.citizen):
        with pytest.raises(PermissionDenied):
            selectors.read_record(actor=outsider, registry="people", record_key=nid)
        with pytest.raises(PermissionDenied):
            selectors.record_exists(actor=outsider, registry="people", subject=nid)
        with pytest.raises(PermissionDenied):
            selectors.list_records(actor=outsider, registry="people")
    found = selectors.read_record(actor=w.registrar_officer, registry="people", record_key=nid)
    assert found is not None and found.values["person_name"] == "张三"
    assert selectors.record_exists(actor=w.registrar_officer, registry="people", subject=nid)
    assert not selectors.record_exists(
        actor=w.registrar_officer, registry="people", subject=national_id_for(48)
    )


def test_department_systems_write_their_own_registry(loaded: World) -> None:
    w = loaded
    ours = services.register_system(
        actor=w.registrar_officer, department="registrar", name="population-db"
    )
    theirs = services.register_system(
        actor=w.commerce_officer, department="commerce", name="firm-db"
    )
    nid = national_id_for(49)
    view = services.create_record(
        actor=ours, registry="people", values=person_values(nid), reason="nightly sync"
    )
    assert view.version == 1
    [version] = selectors.record_history(actor=ours, registry="people", record_key=nid)
    assert version.changed_by == "department-system:registrar/population-db"
    with pytest.raises(PermissionDenied):
        services.update_record(
            actor=theirs,
            registry="people",
            record_key=nid,
            changes={"person_name": "王五"},
            reason="wrong system",
        )
    services.deactivate_system(actor=w.registrar_officer, system=ours)
    with pytest.raises(PermissionDenied):
        services.update_record(
            actor=ours,
            registry="people",
            record_key=nid,
            changes={"person_name": "王五"},
            reason="after switch-off",
        )


def test_list_records_pages_in_key_order(loaded: World) -> None:
    w = loaded
    keys = sorted(national_id_for(100 + i) for i in range(5))
    for key in keys:
        services.create_record(
            actor=w.registrar_officer, registry="people", values=person_values(key), reason="bulk"
        )
    first = selectors.list_records(actor=w.registrar_officer, registry="people", limit=3)
    rest = selectors.list_records(
        actor=w.registrar_officer, registry="people", after=first[-1].record_key, limit=3
    )
    assert [r.record_key for r in first + rest] == keys


def test_remote_registries_take_no_hosted_records(loaded: World) -> None:
    w = loaded
    with pytest.raises(ValidationError):
        services.create_record(
            actor=w.registrar_officer,
            registry="remote_people",
            values={"national_id": national_id_for(50), "person_name": "赵六"},
            reason="new",
        )


def test_a_wrong_identifier_is_explained_in_the_writers_language(loaded: World) -> None:
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.create_record(
            actor=loaded.registrar_officer,
            registry="people",
            reason="new",
            values=person_values("110101199003071230"),  # the check digit is wrong
        )
    [message] = caught.value.message_dict["national_id"]
    assert "校验" in message, message
