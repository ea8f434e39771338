"""Loading the demo world: complete, idempotent, audited, all-or-nothing, never in production."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from yiwang.core.errors import LoadError
from yiwang.demo import generator, loader, services
from yiwang.identity.constants import AccountKind, IdKind, RepresentativeRole, Role
from yiwang.identity.models import (
    Account,
    Department,
    Firm,
    FirmRepresentative,
    Membership,
    Person,
    Region,
)

pytestmark = pytest.mark.django_db


def _load(data_dir: Path | None = None) -> services.LoadReport:
    world = loader.read_world(data_dir) if data_dir else loader.read_world()
    return services.load_world(actor=services.demo_actor(), world=world)


def test_loading_creates_the_whole_world() -> None:
    report = _load()
    world = loader.read_world()
    assert report.created["region"] == 5
    assert Region.objects.get(code="990102").parent.code == "990100"  # type: ignore[union-attr]
    assert Department.objects.count() == 10
    assert Account.objects.filter(kind=AccountKind.STAFF).count() == len(world.staff)
    assert Account.objects.filter(kind=AccountKind.CITIZEN).count() == len(world.people)
    reviewer = Account.objects.get(username="amr.reviewer")
    assert list(reviewer.memberships.values_list("department__code", "role")) == [
        ("market_regulation", Role.REVIEWER)
    ]
    wang = Person.objects.get(national_id="990102198803140028")
    assert wang.account is not None and wang.account.username == "wang.fang"
    anna = Person.objects.get(id_kind=IdKind.PASSPORT, passport_number="C4DEMO7X2")
    assert anna.nationality == "DEU" and anna.national_id is None
    restaurant = Firm.objects.get(uscc="919901020000000194")
    assert set(restaurant.representations.values_list("person__name", "role")) == {
        ("李伟", RepresentativeRole.LEGAL_REPRESENTATIVE),
        ("王芳", RepresentativeRole.AGENT),
    }


def test_demo_logins_work_with_the_printed_password() -> None:
    _load()
    world = loader.read_world()
    for login in loader.logins(world)[:3]:
        account = Account.objects.get(username=login.username)
        assert account.check_password(login.password)


def test_loading_twice_changes_nothing(
    table_dump: Callable[[], dict[str, Any]], audit_calls: list[dict[str, Any]]
) -> None:
    first = _load()
    assert first.changed
    events_after_first = len(audit_calls)
    assert events_after_first > 50  # one per region, department, account, membership, firm...
    before = table_dump()
    second = _load()
    assert not second.changed
    assert len(audit_calls) == events_after_first
    assert table_dump() == before


def test_a_changed_file_updates_only_what_changed(
    data_copy: Path, audit_calls: list[dict[str, Any]]
) -> None:
    _load()
    text = (data_copy / "departments.yaml").read_text(encoding="utf-8")
    (data_copy / "departments.yaml").write_text(
        text.replace("演示市民政局", "演示市民政局（新）"), encoding="utf-8"
    )
    calls_before = len(audit_calls)
    report = _load(data_copy)
    assert dict(report.updated) == {"department": 1}
    assert not report.created
    assert Department.objects.get(code="civil_affairs").name_zh == "演示市民政局（新）"
    assert len(audit_calls) == calls_before + 1
    assert audit_calls[-1]["action"] == "identity.department_changed"


def test_a_conflict_in_the_database_loads_nothing(table_dump: Callable[[], dict[str, Any]]) -> None:
    # Someone registered the user name of a demo staff account as a citizen.
    Account.objects.create_user("hrss.data", "some-password-42", kind=AccountKind.CITIZEN)
    before = table_dump()
    with pytest.raises(LoadError) as caught:
        _load()
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == ("staff.yaml", "staff[13]")
    assert "already exists as a citizen account" in problem.reason
    assert table_dump() == before


def test_the_demo_is_refused_in_production(
    settings: Any, table_dump: Callable[[], dict[str, Any]]
) -> None:
    settings.PRODUCTION = True
    before = table_dump()
    with pytest.raises(services.DemoRefusedError, match="YIWANG_PRODUCTION"):
        _load()
    with pytest.raises(services.DemoRefusedError):
        services.load_generated_people(actor=services.demo_actor(), seed=1, count=10)
    assert table_dump() == before


def test_generated_people_are_loaded_once_and_audited_per_batch(
    audit_calls: list[dict[str, Any]],
) -> None:
    actor = services.demo_actor()
    report = services.load_generated_people(actor=actor, seed=5, count=250, batch_size=100)
    assert (report.created, report.skipped, report.batches) == (250, 0, 3)
    expected = {p.national_id: p for p in generator.generate_people(5, 250)}
    stored = {p.national_id: p for p in Person.objects.filter(national_id__in=expected)}
    assert len(stored) == 250
    sample = next(iter(expected.values()))
    assert stored[sample.national_id].name == sample.name
    assert stored[sample.national_id].birth_date == sample.birth_date
    assert stored[sample.national_id].account_id is None
    batch_events = [c for c in audit_calls if c["action"] == "demo.people_generated"]
    assert [e["data"]["created"] for e in batch_events] == [100, 100, 50]
    assert batch_events[0]["data"]["seed"] == 5

    again = services.load_generated_people(actor=actor, seed=5, count=250, batch_size=100)
    assert (again.created, again.skipped) == (0, 250)
    more = services.load_generated_people(actor=actor, seed=5, count=300, batch_size=100)
    assert (more.created, more.skipped) == (50, 250)
    assert Person.objects.count() == 300
    assert len([c for c in audit_calls if c["action"] == "demo.people_generated"]) == 4


def test_generated_firms_get_their_generated_representatives(
    audit_calls: list[dict[str, Any]],
) -> None:
    _load()
    actor = services.demo_actor()
    services.load_generated_people(actor=actor, seed=8, count=40)
    report = services.load_generated_firms(actor=actor, seed=8, count=30, people=40)
    assert report.created == 30
    firms = {f.uscc: f for f in generator.generate_firms(8, 30, people=40)}
    links = FirmRepresentative.objects.filter(firm__uscc__in=firms)
    assert links.count() == 30
    for link in links.select_related("firm", "person"):
        assert link.person.national_id == firms[link.firm.uscc].representative_national_id
        assert link.role == RepresentativeRole.LEGAL_REPRESENTATIVE
    (event,) = [c for c in audit_calls if c["action"] == "demo.firms_generated"]
    assert event["data"]["created"] == 30 and event["data"]["representatives"] == 30
    again = services.load_generated_firms(actor=actor, seed=8, count=30, people=40)
    assert (again.created, again.skipped) == (0, 30)
    assert Membership.objects.count() == len(
        [m for s in loader.read_world().staff for m in s.memberships]
    )


def test_generated_firms_need_the_districts() -> None:
    with pytest.raises(LoadError, match="not loaded yet"):
        services.load_generated_firms(actor=services.demo_actor(), seed=1, count=5)


def test_the_demo_catalogue_is_published_once() -> None:
    _load()
    actor = services.demo_actor()
    changed = services.load_catalogue(actor=actor)
    files = sorted(services.SERVICES_DIR.glob("*.yaml"))
    assert len(changed) == len(files) >= 12
    assert all(line.endswith("created and published") for line in changed)
    assert services.load_catalogue(actor=actor) == []
