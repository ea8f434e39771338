"""Bulk import of hosted records: checked like single records, one audit event per batch."""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors, services
from yiwang.exchange.constants import ACTION_RECORDS_IMPORTED
from yiwang.exchange.loaders import load_definitions
from yiwang.exchange.models import RegistryRecord, RegistryRecordVersion
from yiwang.exchange.services import records_bulk
from yiwang.identity.domain import national_id_check_char

from .conftest import World, events_after, last_event_id
from .helpers import agreement, read


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are compared in English, whatever the default language."""
    with translation.override("en"):
        yield


def national_id(n: int) -> str:
    first17 = f"11010119{80 + n // 365 % 20:02d}0101{n % 1000:03d}"
    return first17 + national_id_check_char(first17)


def people_rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "national_id": national_id(n),
            "person_name": f"测试{n}",
            "birth_date": "1985-01-01",
            "sex": "1" if n % 2 else "2",
        }
        for n in range(start, start + count)
    ]


def test_rows_become_current_records_with_a_first_version_and_one_audit_event(
    loaded: World,
) -> None:
    w = loaded
    rows = people_rows(30)
    mark = last_event_id()
    result = services.bulk_import_records(
        actor=w.registrar_officer, registry="people", rows=rows, reason="initial load"
    )
    assert (result.registry, result.created, result.skipped) == ("people", 30, 0)
    stored = RegistryRecord.objects.filter(registry__code="people")
    assert stored.count() == 30
    first = stored.get(record_key=rows[3]["national_id"])
    assert first.subject_key == rows[3]["national_id"] and first.version == 1
    assert first.values == rows[3]
    [version] = RegistryRecordVersion.objects.filter(record=first)
    assert version.version == 1 and version.values == rows[3]
    assert version.changed_by_account == w.registrar_officer and version.reason == "initial load"
    [event] = events_after(mark)
    assert event.action == ACTION_RECORDS_IMPORTED and event.pk == result.audit_event_id
    assert event.object_id == "people"
    assert event.data["created"] == 30 and event.data["skipped"] == 0
    assert event.data["fields"] == ["birth_date", "national_id", "person_name", "sex"]
    keys = sorted(r["national_id"] for r in rows)
    assert event.data["keys_sha256"] == hashlib.sha256("\n".join(keys).encode()).hexdigest()
    assert "测试3" not in json.dumps(event.data, ensure_ascii=False)  # no values
    # Records made one at a time afterwards get ids of their own.
    later = people_rows(1, start=500)[0]
    made = services.create_record(
        actor=w.registrar_officer, registry="people", values=later, reason="one more"
    )
    assert made.version == 1
    assert RegistryRecordVersion.objects.filter(record__registry__code="people").count() == 31


def test_imported_records_are_served_by_the_exchange(loaded: World) -> None:
    w = loaded
    row = people_rows(1)[0]
    services.bulk_import_records(
        actor=w.registrar_officer, registry="people", rows=[row], reason="initial load"
    )
    agreement(w)
    result = read(w, subject=row["national_id"])
    assert result.allowed and result.record is not None
    assert result.record.values["person_name"] == row["person_name"]
    assert result.record.provenance.version == 1


def test_one_bad_row_refuses_the_batch_and_names_the_row_and_field(loaded: World) -> None:
    w = loaded
    rows = people_rows(5)
    rows[1]["birth_date"] = "01/01/1985"
    rows[3]["sex"] = "9"
    del rows[4]["person_name"]
    with pytest.raises(ValidationError) as caught:
        services.bulk_import_records(
            actor=w.registrar_officer, registry="people", rows=rows, reason="initial load"
        )
    problems = caught.value.message_dict
    assert set(problems) == {"rows[1].birth_date", "rows[3].sex", "rows[4].person_name"}
    assert problems["rows[1].birth_date"] == ["Enter a date as YYYY-MM-DD."]
    assert not RegistryRecord.objects.filter(registry__code="people").exists()


def test_a_key_twice_in_one_batch_is_refused(loaded: World) -> None:
    w = loaded
    rows = people_rows(2)
    rows.append(dict(rows[0]))
    with pytest.raises(ValidationError) as caught:
        services.bulk_import_records(
            actor=w.registrar_officer, registry="people", rows=rows, reason="initial load"
        )
    assert caught.value.message_dict == {
        "rows[2].national_id": ["The same key is already in rows[0]."]
    }


def test_existing_keys_are_refused_or_skipped_when_asked(loaded: World) -> None:
    w = loaded
    rows = people_rows(10)
    services.bulk_import_records(
        actor=w.registrar_officer, registry="people", rows=rows[:4], reason="first part"
    )
    with pytest.raises(ValidationError) as caught:
        services.bulk_import_records(
            actor=w.registrar_officer, registry="people", rows=rows, reason="again"
        )
    assert "already holds 4" in caught.value.message_dict["national_id"][0]
    assert RegistryRecord.objects.filter(registry__code="people").count() == 4

    result = services.bulk_import_records(
        actor=w.registrar_officer,
        registry="people",
        rows=rows,
        reason="the rest",
        skip_existing=True,
    )
    assert (result.created, result.skipped) == (6, 4)
    mark = last_event_id()
    again = services.bulk_import_records(
        actor=w.registrar_officer, registry="people", rows=rows, reason="again", skip_existing=True
    )
    assert (again.created, again.skipped, again.audit_event_id) == (0, 10, None)
    assert events_after(mark) == []  # loading the same rows again writes nothing


def test_a_key_given_in_another_spelling_is_found_under_its_stored_form(
    loaded: World, tmp_path: Path
) -> None:
    """An element without a pattern lets "11010119...x" through; the subject is stored as
    "...X", and importing it again under the first spelling must find it, not crash."""
    w = loaded
    (tmp_path / "loose.yaml").write_text(
        textwrap.dedent(
            """
            elements:
              - code: loose_id
                name: {zh: 证件号码, en: ID number}
                type: string
                classification: sensitive
                personal: true
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "loose-registry.yaml").write_text(
        textwrap.dedent(
            """
            registries:
              - code: loose_people
                name: {zh: 宽松人口库, en: Loose people registry}
                department: registrar
                subject: {kind: person, field: holder}
                fields:
                  - {name: holder, element: loose_id, required: true}
                  - {element: person_name}
            """
        ),
        encoding="utf-8",
    )
    load_definitions([tmp_path])
    with_x = next(i for i in (national_id(n) for n in range(5000)) if i.endswith("X"))
    first = services.bulk_import_records(
        actor=w.registrar_officer,
        registry="loose_people",
        rows=[{"holder": with_x.lower(), "person_name": "李四"}],
        reason="first",
        skip_existing=True,
    )
    assert first.created == 1
    assert RegistryRecord.objects.get(registry__code="loose_people").record_key == with_x
    again = services.bulk_import_records(
        actor=w.registrar_officer,
        registry="loose_people",
        rows=[{"holder": with_x.lower(), "person_name": "李四"}],
        reason="again",
        skip_existing=True,
    )
    assert (again.created, again.skipped) == (0, 1)
    with pytest.raises(ValidationError):
        services.bulk_import_records(
            actor=w.registrar_officer,
            registry="loose_people",
            rows=[{"holder": with_x.lower()}],
            reason="again",
        )


def test_only_the_registry_owner_imports(loaded: World) -> None:
    w = loaded
    for outsider in (w.welfare_officer, w.commerce_officer, w.citizen):
        with pytest.raises(PermissionDenied):
            services.bulk_import_records(
                actor=outsider, registry="people", rows=people_rows(1), reason="x"
            )
    assert not RegistryRecord.objects.exists()


def test_remote_registries_and_empty_reasons_are_refused(loaded: World) -> None:
    w = loaded
    with pytest.raises(ValidationError):
        services.bulk_import_records(
            actor=w.registrar_officer, registry="remote_people", rows=people_rows(1), reason="x"
        )
    with pytest.raises(ValidationError) as caught:
        services.bulk_import_records(
            actor=w.registrar_officer, registry="people", rows=people_rows(1), reason="  "
        )
    assert "reason" in caught.value.message_dict


def test_a_batch_is_bounded(loaded: World, monkeypatch: pytest.MonkeyPatch) -> None:
    w = loaded
    monkeypatch.setattr(records_bulk, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(ValidationError) as caught:
        services.bulk_import_records(
            actor=w.registrar_officer, registry="people", rows=people_rows(4), reason="x"
        )
    assert "at most 3" in caught.value.message_dict["rows"][0]


def test_the_owner_sees_imported_records_through_its_selectors(loaded: World) -> None:
    w = loaded
    rows = people_rows(3)
    services.bulk_import_records(
        actor=w.registrar_officer, registry="people", rows=rows, reason="initial load"
    )
    listed = selectors.list_records(actor=w.registrar_officer, registry="people")
    assert sorted(r.record_key for r in listed) == sorted(r["national_id"] for r in rows)
    [history] = selectors.record_history(
        actor=w.registrar_officer, registry="people", record_key=rows[0]["national_id"]
    )
    assert history.version == 1 and history.reason == "initial load"
