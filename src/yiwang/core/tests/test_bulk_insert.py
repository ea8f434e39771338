"""Inserting many rows with one statement that returns their ids."""

from __future__ import annotations

import pytest

from yiwang.core.db import bulk
from yiwang.identity.constants import RegionLevel
from yiwang.identity.models import Department, Region

pytestmark = pytest.mark.django_db


def region(code: str, parent: Region | None = None) -> Region:
    return Region(
        code=code,
        name_zh=f"区{code}",
        name_en=f"Region {code}",
        level=RegionLevel.DISTRICT,
        parent=parent,
    )


def test_every_object_gets_the_id_of_its_own_row() -> None:
    rows = [region("B1"), region("B2"), region("B3")]

    written = bulk.insert(rows)

    assert written == rows
    assert all(r.pk is not None and not r._state.adding for r in rows)
    assert {r.pk: r.code for r in rows} == dict(
        Region.objects.filter(code__startswith="B").values_list("pk", "code")
    )


def test_rows_whose_unique_value_is_stored_are_left_out() -> None:
    (old,) = bulk.insert([region("C1")])
    again, new = region("C1"), region("C2")

    written = bulk.insert([again, new], unless_taken="code")

    assert written == [new] and new.pk is not None and again.pk is None
    assert Region.objects.filter(code="C1").get().pk == old.pk
    assert Region.objects.filter(code__startswith="C").count() == 2


def test_related_objects_saved_before_are_referred_to_by_their_ids() -> None:
    (parent,) = bulk.insert([region("D0")])
    child = region("D1", parent=parent)
    bulk.insert([child])
    office = Department(code="d-office", name_zh="办公室", name_en="Office", region=child)

    bulk.insert([office])

    assert Department.objects.get(pk=office.pk).region.parent_id == parent.pk


def test_an_unknown_unique_field_is_refused() -> None:
    with pytest.raises(ValueError, match="no field 'nope'"):
        bulk.insert([region("E1")], unless_taken="nope")
    assert not Region.objects.filter(code="E1").exists()
