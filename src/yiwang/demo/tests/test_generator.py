"""The generator makes the same valid, unique world from the same seed."""

from __future__ import annotations

from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.demo import generator
from yiwang.identity import domain


def test_same_seed_gives_the_same_people() -> None:
    assert list(generator.generate_people(7, 500)) == list(generator.generate_people(7, 500))


def test_different_seeds_give_different_people() -> None:
    first = {p.national_id for p in generator.generate_people(1, 200)}
    second = {p.national_id for p in generator.generate_people(2, 200)}
    assert len(first & second) < 5


def test_a_smaller_world_is_a_prefix_of_a_bigger_one() -> None:
    small = list(generator.generate_people(3, 100))
    big = list(islice(generator.generate_people(3, 1000), 100))
    assert small == big
    assert [f.uscc for f in generator.generate_firms(3, 50)] == [
        f.uscc for f in islice(generator.generate_firms(3, 400), 50)
    ]


def test_generated_national_ids_are_valid_unique_and_in_the_demo_districts() -> None:
    people = list(generator.generate_people(11, 20_000))
    ids = [p.national_id for p in people]
    assert len(set(ids)) == len(ids)
    districts = {d.code for d in generator.districts()}
    assert len(districts) == 2
    for person in people:
        assert domain.check_national_id(person.national_id) == person.national_id
        assert person.national_id[:6] in districts
        assert domain.birth_date_from_national_id(person.national_id) == person.birth_date
        assert generator.BIRTH_FIRST <= person.birth_date <= generator.BIRTH_LAST
        # Sequence numbers below 100 are kept for hand-written people.
        assert int(person.national_id[14:17]) >= 100
        assert 2 <= len(person.name) <= 4


def test_people_spread_over_both_districts_and_sexes() -> None:
    people = list(generator.generate_people(5, 4000))
    per_district = {d.code: 0 for d in generator.districts()}
    males = 0
    for person in people:
        per_district[person.national_id[:6]] += 1
        males += int(person.national_id[16]) % 2
    assert all(count > 1500 for count in per_district.values())
    assert 1600 < males < 2400


def test_person_national_id_matches_the_stream() -> None:
    people = list(generator.generate_people(9, 50))
    assert [generator.person_national_id(9, i) for i in range(50)] == [
        p.national_id for p in people
    ]


def test_generated_firms_have_valid_unique_credit_codes() -> None:
    firms = list(generator.generate_firms(13, 10_000, people=300))
    usccs = [f.uscc for f in firms]
    assert len(set(usccs)) == len(usccs)
    people = {generator.person_national_id(13, i) for i in range(300)}
    for firm in firms:
        assert domain.check_uscc(firm.uscc) == firm.uscc
        assert firm.uscc[2:8] == firm.region_code
        body = firm.uscc[8:16]
        assert firm.uscc[16] == generator.organisation_code_check_char(body)
        assert body[0] != "0"  # kept for hand-written firms
        assert firm.name.endswith("有限公司")
        assert firm.representative_national_id in people


def test_firms_without_people_have_no_representative() -> None:
    assert all(f.representative_national_id is None for f in generator.generate_firms(1, 20))


def test_organisation_code_check_character_follows_gb_11714() -> None:
    # Weights 3,7,9,10,5,8,4,2 over 0,0,0,0,0,0,0,1 give 2; 11 - 2 = 9.
    assert generator.organisation_code_check_char("00000001") == "9"
    # Sum 0 gives 11, written as 0.
    assert generator.organisation_code_check_char("00000000") == "0"
    # 1*3 + 2*2 = 7 ... a body whose remainder is 1 gives 10, written as X.
    body = next(
        f"{n:08d}"
        for n in range(10_000)
        if generator.organisation_code_check_char(f"{n:08d}") == "X"
    )
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    assert total % 11 == 1


def test_asking_for_more_people_than_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        next(generator.generate_people(1, generator.people_capacity() + 1))


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=1, max_value=3000), seed=st.integers(0, 2**32))
def test_permutation_is_a_bijection(size: int, seed: int) -> None:
    perm = generator.Permutation(size, seed=seed, purpose="test")
    assert sorted(perm(i) for i in range(size)) == list(range(size))
