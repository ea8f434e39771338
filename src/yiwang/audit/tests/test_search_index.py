"""The auditors' search index: built from sealed events, read beside the recent ones."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from yiwang.audit import domain
from yiwang.audit.actors import SYSTEM, Actor
from yiwang.audit.models import AuditEvent, SearchIndexProgress, SearchTerm
from yiwang.audit.search_index import index_sealed, terms_of, uncovered_since
from yiwang.audit.selectors import events_for_auditor
from yiwang.audit.services import build_event, event_fields, record_event, seal
from yiwang.audit.tasks import seal_audit_log
from yiwang.core import clock
from yiwang.identity.constants import Role
from yiwang.identity.models import Account
from yiwang.identity.tests.factories import StaffFactory

ANNA = "person:11010519491231002X"
FIRM = "firm:91350100M000100Y43"
CLERK = Actor(type="staff", id="42", label="Clerk 42", department="data", role="reviewer")


@pytest.fixture
def auditor(db: Any) -> Account:
    return StaffFactory(username="auditor", membership__role=Role.AUDITOR)


def written_at(moment: dt.datetime, **kwargs: Any) -> AuditEvent:
    """An event written at ``moment`` (sealed by a first seal, which looks back without limit)."""
    event = build_event(**kwargs)
    event.created_at = moment
    event.content_hash = domain.content_hash(event_fields(event))
    event.save()
    return event


def backdated(hours: int, **kwargs: Any) -> AuditEvent:
    return written_at(clock.now() - dt.timedelta(hours=hours), **kwargs)


def terms() -> set[tuple[str, int]]:
    return set(SearchTerm.objects.values_list("term", "event_id"))


def test_sealed_events_are_indexed_once_by_subject_and_actor(db: Any) -> None:
    both = record_event(
        actor=CLERK,
        action="exchange.record_read",
        subjects=[ANNA, FIRM],
        object_type="exchange.record",
        object_id="p-1",
    )
    system = record_event(actor=SYSTEM, action="test.done", subjects=[ANNA])
    assert index_sealed() == 0  # nothing sealed yet
    seal()
    unsealed = record_event(actor=CLERK, action="test.done", subjects=[FIRM])

    assert index_sealed() == 2
    assert terms() == {
        (ANNA, both.pk),
        (FIRM, both.pk),
        ("actor:42", both.pk),
        ("object:exchange.record:p-1", both.pk),
        ("record:p-1", both.pk),
        ("action:exchange.record_read", both.pk),
        (ANNA, system.pk),
        ("actor:platform", system.pk),
        ("action:test.done", system.pk),
    }
    assert SearchIndexProgress.objects.get().tree_size == 2
    assert index_sealed() == 0

    seal()
    assert index_sealed() == 1
    assert {t for t in terms() if t[1] == unsealed.pk} == {
        (FIRM, unsealed.pk),
        ("actor:42", unsealed.pk),
        ("action:test.done", unsealed.pk),
    }


def test_the_seal_task_indexes_what_it_sealed(db: Any) -> None:
    event = record_event(actor=CLERK, action="test.done", subjects=[ANNA])
    seal_audit_log.call()
    assert (ANNA, event.pk) in terms()
    assert SearchIndexProgress.objects.get().tree_size == 1


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ((f'["{ANNA}", "{FIRM}"]', "7", "", "", "a.b"), {ANNA, FIRM, "actor:7", "action:a.b"}),
        (
            ("[]", "", "applications.case", "12", ""),
            {"object:applications.case:12", "record:12"},
        ),
        (("[]", "", "applications.case", "", ""), set()),
        (("not json", "7", "", "12", ""), {"actor:7", "record:12"}),
        (('{"a": 1}', "", "", "", ""), set()),
        ((f'["{ANNA}", 3, null, ""]', "", "", "", ""), {ANNA}),
        ((f'["{ANNA}", "person:1\\u0000"]', "", "", "", ""), {ANNA}),
        (
            (f'["{"x" * 211}"]', "y" * 204, "t" * 100, "i" * 104, "z" * 204),
            {"actor:" + "y" * 204, "record:" + "i" * 104},
        ),
    ],
)
def test_terms_of_an_event_take_what_can_be_read(
    event: tuple[str, str, str, str, str], expected: set[str]
) -> None:
    assert terms_of(*event) == expected


@pytest.mark.parametrize("subjects_json", ["{", '["person:\\u0000"]'])
def test_an_altered_event_does_not_stop_the_index(
    db: Any, attacker: Callable[..., None], subjects_json: str
) -> None:
    event = record_event(actor=CLERK, action="test.done", subjects=[ANNA])
    seal()
    attacker(
        "UPDATE audit_auditevent SET subjects_json = %s WHERE id = %s", [subjects_json, event.pk]
    )
    assert index_sealed() == 1
    assert terms() == {("actor:42", event.pk), ("action:test.done", event.pk)}


def test_nothing_indexed_means_search_reads_the_whole_log(auditor: Account) -> None:
    old = backdated(5, actor=CLERK, action="test.done", subjects=[ANNA])
    assert uncovered_since() is None
    assert [e.pk for e in events_for_auditor(actor=auditor, subject=ANNA)] == [old.pk]


def test_old_events_are_found_through_the_index_and_recent_ones_by_reading(
    auditor: Account,
) -> None:
    old = backdated(
        5, actor=CLERK, action="test.rare", subjects=[ANNA], object_type="test.thing", object_id=3
    )
    other = backdated(
        4, actor=SYSTEM, action="test.done", subjects=[FIRM], object_type="test.thing", object_id=3
    )
    backdated(4, actor=SYSTEM, action="test.done", object_type="test.other", object_id=3)
    seal()
    index_sealed()
    sealed_recent = record_event(actor=SYSTEM, action="test.done", subjects=[ANNA])
    seal()  # sealed, not yet indexed: the index is one checkpoint behind
    unsealed = record_event(actor=SYSTEM, action="test.done", subjects=[ANNA])

    found = events_for_auditor(actor=auditor, subject=ANNA)
    assert [e.pk for e in found] == [unsealed.pk, sealed_recent.pk, old.pk]
    assert [e.pk for e in events_for_auditor(actor=auditor, actor_id="42")] == [old.pk]
    assert [e.pk for e in events_for_auditor(actor=auditor, subject=FIRM)] == [other.pk]
    by_record = events_for_auditor(actor=auditor, object_type="test.thing", object_id="3")
    assert [e.pk for e in by_record] == [other.pk, old.pk]
    assert [e.pk for e in events_for_auditor(actor=auditor, action="test.rare")] == [old.pk]

    # The old event is found only through its index entry: the search does not read old events.
    SearchTerm.objects.filter(event_id=old.pk).delete()
    found = events_for_auditor(actor=auditor, subject=ANNA)
    assert [e.pk for e in found] == [unsealed.pk, sealed_recent.pk]
    by_record = events_for_auditor(actor=auditor, object_type="test.thing", object_id="3")
    assert [e.pk for e in by_record] == [other.pk]
    assert events_for_auditor(actor=auditor, action="test.rare") == []


def test_a_record_id_alone_is_found_through_the_index_whatever_its_type(
    auditor: Account,
) -> None:
    thing = backdated(5, actor=CLERK, action="test.done", object_type="test.thing", object_id=3)
    other = backdated(4, actor=SYSTEM, action="test.done", object_type="test.other", object_id=3)
    backdated(4, actor=SYSTEM, action="test.done", object_type="test.thing", object_id=33)
    seal()
    index_sealed()
    recent = record_event(actor=SYSTEM, action="test.done", object_type="test.new", object_id=3)

    found = events_for_auditor(actor=auditor, object_id="3")
    assert [e.pk for e in found] == [recent.pk, other.pk, thing.pk]

    # Through its index entry only: the search does not read old events.
    SearchTerm.objects.filter(term="record:3", event_id=thing.pk).delete()
    found = events_for_auditor(actor=auditor, object_id="3")
    assert [e.pk for e in found] == [recent.pk, other.pk]


def test_the_migration_that_adds_record_ids_has_the_index_built_again(db: Any) -> None:
    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("yiwang.audit.migrations.0005_search_by_record_id")
    event = record_event(actor=CLERK, action="test.done", object_type="test.thing", object_id=3)
    seal()
    index_sealed()
    SearchTerm.objects.filter(term="record:3").delete()  # an index built before the migration

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    migration.empty_the_index(apps, SimpleNamespace(connection=connection, execute=execute))
    assert terms() == set()
    assert uncovered_since() is None  # until it is built again, searches read the log
    assert index_sealed() == 1
    assert ("record:3", event.pk) in terms()


def test_an_index_entry_that_no_longer_matches_finds_nothing(auditor: Account) -> None:
    old = backdated(5, actor=CLERK, action="test.done", subjects=[ANNA])
    seal()
    index_sealed()
    SearchTerm.objects.create(term=FIRM, event_id=old.pk)
    assert events_for_auditor(actor=auditor, subject=FIRM) == []
    assert events_for_auditor(actor=auditor, subject=ANNA, action="other.action") == []


def test_pages_run_across_indexed_and_recent_events(auditor: Account) -> None:
    old = [backdated(5 - i, actor=CLERK, action="test.done", subjects=[ANNA]) for i in range(3)]
    seal()
    index_sealed()
    recent = [record_event(actor=CLERK, action="test.done", subjects=[ANNA]) for _ in range(3)]
    newest_first = [e.pk for e in reversed(old + recent)]

    seen: list[int] = []
    before: int | None = None
    while True:
        page = events_for_auditor(actor=auditor, actor_id="42", before_id=before, limit=2)
        seen += [e.pk for e in page]
        if len(page) < 2:
            break
        before = page[-1].pk
    assert seen == newest_first


def test_an_index_behind_a_checkpoint_the_log_lacks_is_not_trusted(db: Any) -> None:
    record_event(actor=CLERK, action="test.done", subjects=[ANNA])
    seal()
    index_sealed()
    assert uncovered_since() is not None
    SearchIndexProgress.objects.filter(pk=1).update(tree_size=99)
    assert uncovered_since() is None


def test_a_long_log_is_indexed_a_few_checkpoints_at_a_time(db: Any, monkeypatch: Any) -> None:
    sizes = []
    for n in (2, 1, 3):
        for _ in range(n):
            record_event(actor=CLERK, action="test.done", subjects=[ANNA])
        sizes.append(seal().tree_size)  # type: ignore[union-attr]
    assert sizes == [2, 3, 6]
    committed: list[int] = []
    save = SearchIndexProgress.save

    def noted(self: SearchIndexProgress, *args: Any, **kwargs: Any) -> None:
        committed.append(self.tree_size)
        save(self, *args, **kwargs)

    monkeypatch.setattr(SearchIndexProgress, "save", noted)
    # Whole checkpoints, as many as fit in a chunk; one larger than a chunk is taken whole.
    assert index_sealed(chunk=3) == 6
    assert committed == [3, 6]
    assert len({event_id for _, event_id in terms()}) == 6
    assert index_sealed(rebuild=True, chunk=1) == 6
    assert committed == [3, 6, 0, 2, 3, 6]
    assert len(terms()) == 6 * 3  # subject, actor and action of each


def test_dates_alone_are_read_newest_first_by_time_across_pages(auditor: Account) -> None:
    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 3, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))

    # Written out of id order, two at the same moment, and some outside the span.
    written_at(at(1, 9), actor=CLERK, action="test.done")
    late = written_at(at(3, 18), actor=CLERK, action="test.done")
    early = written_at(at(2, 8), actor=CLERK, action="test.done")
    tie_a = written_at(at(2, 12), actor=CLERK, action="test.done")
    tie_b = written_at(at(2, 12), actor=SYSTEM, action="test.done")
    middle = written_at(at(3, 9), actor=CLERK, action="test.done")
    written_at(at(4, 0), actor=CLERK, action="test.done")
    span = {"since": dt.date(2026, 3, 2), "until": dt.date(2026, 3, 3)}

    seen: list[int] = []
    before: int | None = None
    while True:
        page = events_for_auditor(actor=auditor, before_id=before, limit=2, **span)
        seen += [e.pk for e in page]
        if len(page) < 2:
            break
        before = page[-1].pk
    assert seen == [late.pk, middle.pk, tie_b.pk, tie_a.pk, early.pk]
