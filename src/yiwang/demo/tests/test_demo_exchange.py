"""The demo world's data exchange: registries, agreements, records, and reads that use them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from yiwang.core import clock
from yiwang.core.errors import LoadError
from yiwang.demo import generator, loader, services
from yiwang.exchange import hooks, selectors
from yiwang.exchange import services as exchange
from yiwang.exchange.constants import AgreementState, Reason
from yiwang.exchange.types import Requester
from yiwang.identity.constants import RepresentativeRole, Role
from yiwang.identity.models import Account

pytestmark = pytest.mark.django_db

MOTHER = "990102199405120720"  # 孙丽, sun.li
FATHER = "990102199208250817"  # 周强, zhou.qiang
RESTAURANT = "919901020000000194"
PROVIDERS = {
    "population": "psb.data",
    "legal_entity": "amr.data",
    "property": "housing.data",
    "social_insurance": "hrss.data",
    "birth_medical_certificate": "health.data",
}


def _world() -> loader.World:
    world = loader.read_world()
    services.load_world(actor=services.demo_actor(), world=world)
    return world


def _load(world: loader.World | None = None) -> services.ExchangeReport:
    world = world or _world()
    return services.load_exchange(actor=services.demo_actor(), world=world)


def officer(registry: str) -> Account:
    return Account.objects.get(username=PROVIDERS[registry])


def official(username: str, department: str, role: str = Role.REVIEWER) -> Requester:
    return Requester.official(
        Account.objects.get(username=username), department=department, role=role
    )


@pytest.fixture
def open_case() -> Iterator[None]:
    """Case R-DEMO-1 counts as open for every subject, as the applications app would say."""

    def checker(*, case_ref: str, subject_kind: str, subject_key: str, consumer: str) -> bool:
        return case_ref == "R-DEMO-1"

    hooks.register_case_checker(checker)
    yield
    hooks.unregister_case_checker(checker)


def test_the_registries_and_agreements_load_approved_by_the_providers_data_officers() -> None:
    report = _load()
    assert sorted(r.code for r in selectors.registries()) == sorted(PROVIDERS)
    agreements = list(selectors.agreements_for(actor=services.demo_actor()))
    assert len(agreements) == len(report.approved) == 21
    for agreement in agreements:
        assert agreement.state == AgreementState.APPROVED, agreement.code
        assert agreement.approved_by is not None
        assert agreement.approved_by.get_username() == PROVIDERS[agreement.registry.code]
    purposes = {p.code for p in selectors.purposes()}
    demo_services = {p.stem.replace("-", "_") for p in services.SERVICES_DIR.glob("*.yaml")}
    bundles = {"open_a_restaurant", "welcome_a_newborn"}
    assert purposes == demo_services - bundles  # one purpose per demo service


def test_every_hand_written_citizen_and_firm_is_in_the_registries() -> None:
    world = _world()
    report = _load(world)
    assert report.records_created["population"] == 8
    citizens = [p for p in world.people if p.national_id]
    assert len(citizens) == 8
    for person in citizens:
        nid = person.national_id
        assert nid is not None
        found = selectors.read_record(
            actor=officer("population"), registry="population", record_key=nid
        )
        assert found is not None, person.name
        assert found.values["person_name"] == person.name
        assert found.values["birth_date"] == person.birth_date.isoformat()
        assert found.values["sex"] == generator.sex_of(nid)
        assert selectors.records_for_subject(
            actor=officer("property"), registry="property", subject=nid
        ), person.name
        assert selectors.read_record(
            actor=officer("social_insurance"), registry="social_insurance", record_key=nid
        ), person.name
    for firm in world.firms:
        found = selectors.read_record(
            actor=officer("legal_entity"), registry="legal_entity", record_key=firm.uscc
        )
        assert found is not None and found.values["firm_name"] == firm.name_zh
        [legal] = [
            p for p, role in firm.representatives if role == RepresentativeRole.LEGAL_REPRESENTATIVE
        ]
        assert found.values["legal_representative_id"] == legal


def test_the_new_mother_has_a_recent_birth_certificate_naming_the_father() -> None:
    world = _world()
    _load(world)
    logins = {login.username for login in loader.logins(world)}
    assert {"sun.li", "zhou.qiang", "health.data", "housing.data"} <= logins
    [certificate] = selectors.records_for_subject(
        actor=officer("birth_medical_certificate"),
        registry="birth_medical_certificate",
        subject=MOTHER,
    )
    born = dt.date.fromisoformat(certificate.values["newborn_birth_date"])
    today = timezone.localdate(clock.now())
    assert today - dt.timedelta(days=30) <= born <= today
    assert certificate.values["father_national_id"] == FATHER
    assert certificate.values["mother_name"] == "孙丽"


def test_household_registration_reads_the_birth_certificate_only_for_an_open_case(
    open_case: None,
) -> None:
    _load()
    reviewer = official("psb.reviewer", "public_security")
    asked: dict[str, Any] = {
        "subject": MOTHER,
        "registry": "birth_medical_certificate",
        "fields": ["newborn_name", "newborn_sex", "newborn_birth_date", "father_national_id"],
        "purpose": "household_registration",
    }
    assert exchange.read(requester=reviewer, **asked).reason == Reason.NO_OPEN_CASE
    result = exchange.read(requester=reviewer, case_ref="R-DEMO-1", **asked)
    assert result.allowed, result.reason
    assert result.record is not None
    assert result.record.values["newborn_name"] == "周雨桐"
    assert result.record.values["father_national_id"] == FATHER
    assert result.record.provenance.department == "health"


def test_agreements_mask_share_and_refuse_as_written() -> None:
    _load()
    subsidy = exchange.read(
        requester=official("ca.reviewer", "civil_affairs"),
        subject=MOTHER,
        registry="population",
        fields=["person_name", "birth_date", "household_address"],
        purpose="childcare_subsidy",
    )
    assert subsidy.allowed and subsidy.record is not None
    assert subsidy.record.values["birth_date"] == "1994"  # year only
    assert subsidy.record.values["household_address"].startswith("演示市云湖区")

    fire = exchange.read(
        requester=official("fire.reviewer", "fire_rescue"),
        subject=RESTAURANT,
        registry="legal_entity",
        fields=["firm_name", "legal_representative_id"],
        purpose="fire_safety_commitment",
    )
    assert fire.allowed and fire.record is not None
    assert fire.record.values["legal_representative_id"] == "*" * 14 + "0036"

    insurance = exchange.read(
        requester=official("ca.reviewer", "civil_affairs"),
        subject=MOTHER,
        registry="social_insurance",
        fields=["insured"],
        purpose="childcare_subsidy",
    )
    assert insurance.reason == Reason.CONSENT_MISSING

    marital = exchange.read(
        requester=official("tax.reviewer", "tax"),
        subject=MOTHER,
        registry="population",
        fields=["person_name", "marital_status"],
        purpose="tax_registration",
    )
    assert marital.reason == Reason.NOT_SHARED


def test_generated_people_and_firms_get_registry_records_in_audited_batches(
    audit_calls: list[dict[str, Any]],
) -> None:
    _load()
    audit_calls.clear()
    actor = services.demo_actor()
    people = services.load_generated_people(actor=actor, seed=5, count=250, batch_size=100)
    assert people.created == 250 and people.records == 250
    imports = [c for c in audit_calls if c["action"] == "exchange.records.imported"]
    assert [c["data"]["created"] for c in imports] == [100, 100, 50]
    assert all(c["object_id"] == "population" for c in imports)
    person = next(iter(generator.generate_people(5, 1)))
    found = selectors.read_record(
        actor=officer("population"), registry="population", record_key=person.national_id
    )
    assert found is not None
    assert found.values == {
        "national_id": person.national_id,
        "person_name": person.name,
        "sex": generator.sex_of(person.national_id),
        "birth_date": person.birth_date.isoformat(),
        "household_address": generator.household_address(5, person.national_id),
    }

    firms = services.load_generated_firms(actor=actor, seed=5, count=30, people=250)
    assert firms.created == 30 and firms.records == 30
    firm = next(iter(generator.generate_firms(5, 1, people=250)))
    entity = selectors.read_record(
        actor=officer("legal_entity"), registry="legal_entity", record_key=firm.uscc
    )
    assert entity is not None
    assert entity.values["legal_representative_id"] == firm.representative_national_id
    assert entity.values["status"] in {"active", "revoked", "deregistered"}

    audit_calls.clear()
    again = services.load_generated_people(actor=actor, seed=5, count=250, batch_size=100)
    assert (again.created, again.records) == (0, 0)
    assert audit_calls == []


def test_people_loaded_before_the_exchange_get_their_records_on_the_next_load() -> None:
    world = _world()
    actor = services.demo_actor()
    before = services.load_generated_people(actor=actor, seed=9, count=40)
    assert (before.created, before.records) == (40, 0)  # no registry yet: people only
    _load(world)
    after = services.load_generated_people(actor=actor, seed=9, count=40)
    assert (after.created, after.records) == (0, 40)


def test_loading_everything_twice_changes_nothing(
    table_dump: Callable[[], dict[str, Any]], audit_calls: list[dict[str, Any]]
) -> None:
    world = _world()
    actor = services.demo_actor()
    _load(world)
    services.load_generated_people(actor=actor, seed=3, count=60)
    services.load_generated_firms(actor=actor, seed=3, count=10, people=60)
    before = table_dump()
    audit_calls.clear()
    report = _load(world)
    services.load_generated_people(actor=actor, seed=3, count=60)
    services.load_generated_firms(actor=actor, seed=3, count=10, people=60)
    assert not report.changed
    assert audit_calls == []
    assert table_dump() == before


def test_the_newborns_birth_date_stays_as_first_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    world = _world()
    _load(world)
    first = selectors.records_for_subject(
        actor=officer("birth_medical_certificate"),
        registry="birth_medical_certificate",
        subject=MOTHER,
    )[0]
    later = clock.now() + dt.timedelta(days=40)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert not _load(world).changed
    again = selectors.records_for_subject(
        actor=officer("birth_medical_certificate"),
        registry="birth_medical_certificate",
        subject=MOTHER,
    )[0]
    assert again.values == first.values and again.version == first.version


def test_a_changed_record_in_the_file_is_applied_as_an_audited_update(
    data_copy: Path, audit_calls: list[dict[str, Any]]
) -> None:
    world = _world()
    _load(world)
    path = data_copy / "exchange" / "records.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "演示市云湖区梧桐街7号1栋1203室", "演示市云湖区梧桐街9号2栋301室", 1
        ),
        encoding="utf-8",
    )
    audit_calls.clear()
    report = services.load_exchange(
        actor=services.demo_actor(), world=world, records=loader.read_exchange_records(data_copy)
    )
    assert report.records_updated == {"population": 1}
    assert [c["action"] for c in audit_calls] == ["exchange.record.updated"]
    found = selectors.read_record(
        actor=officer("population"), registry="population", record_key="990102199307210044"
    )
    assert found is not None and found.version == 2
    assert found.values["household_address"] == "演示市云湖区梧桐街9号2栋301室"


def test_a_wrong_record_names_its_place_and_loads_nothing(data_copy: Path) -> None:
    world = _world()
    path = data_copy / "exchange" / "records.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('person_name: 张静, sex: "2"', 'person_name: 张静, sex: "F"', 1),
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        services.load_exchange(
            actor=services.demo_actor(),
            world=world,
            records=loader.read_exchange_records(data_copy),
        )
    problems = [(p.file, p.path) for p in caught.value.problems]
    assert problems == [("exchange/records.yaml", "records.population[2].sex")]
    assert selectors.registries() == []  # the definitions were rolled back too


def test_a_records_file_that_breaks_its_schema_is_named(data_copy: Path) -> None:
    path = data_copy / "exchange" / "records.yaml"
    path.write_text("records:\n  population:\n    - {national_id: [1, 2]}\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        loader.read_exchange_records(data_copy)
    [problem] = caught.value.problems
    assert problem.file == "exchange/records.yaml"
    assert problem.path == "records.population[0].national_id"
