"""Check characters of citizen id numbers (GB 11643) and credit codes (GB 32100)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.identity import domain

# Published examples with correct check characters.
GOOD_IDS = ["11010519491231002X", "110101195001010009"]


def test_good_national_ids_pass_unchanged() -> None:
    for value in GOOD_IDS:
        assert domain.check_national_id(value) == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "checksum"),  # last character should be X
        ("11010519491231002", "length"),
        ("11010519491231002X1", "length"),
        ("", "length"),
        ("11010519491231002x", "lowercase"),
        ("１１０１０５１９４９１２３１００２Ｘ", "full_width"),
        ("11010519491231002Ｘ", "full_width"),
        ("110105194913310029", "birth_date"),  # month 13
        ("110105194902300022", "birth_date"),  # 30 February
        ("110105189912310023", "birth_date_too_early"),  # 1899-12-31
        ("110105209901010012", "birth_date_future"),  # 2099-01-01
        ("1101051949123A002X", "digits"),
        ("11010519491231002Y", "check_char"),
    ],
)
def test_bad_national_ids_say_what_is_wrong(value: str, code: str) -> None:
    with pytest.raises(domain.IdentifierError) as info:
        domain.check_national_id(value)
    assert info.value.code == code
    assert str(info.value)  # a message a person can read


def test_normalise_national_id_accepts_what_people_type() -> None:
    assert domain.normalise_national_id(" 110105 19491231 002x ") == "11010519491231002X"
    assert (
        domain.normalise_national_id("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",  # lower-case x
        "１１０１０５１９４９１２３１００２ｘ",  # full-width digits and x
        "110105 19491231 002X",  # ASCII spaces
        "110105\u300019491231\u3000002X",  # ideographic spaces (U+3000)
        "110105\u00a019491231\u00a0002X",  # no-break spaces
        "\t110105 19491231 002X\n",
    ],
)
def test_normalise_national_id_drops_every_kind_of_space(typed: str) -> None:
    assert domain.normalise_national_id(typed) == "11010519491231002X"


def test_a_date_of_birth_must_be_from_1900_up_to_today() -> None:
    today = dt.date(2026, 1, 5)
    born_today = domain.make_national_id("110105", today, 3)
    assert domain.check_national_id(born_today, today=today) == born_today
    oldest = domain.make_national_id("110105", dt.date(1900, 1, 1), 3)
    assert domain.check_national_id(oldest, today=today) == oldest
    tomorrow = domain.make_national_id("110105", dt.date(2026, 1, 6), 3)
    with pytest.raises(domain.IdentifierError) as info:
        domain.normalise_national_id(tomorrow, today=today)
    assert info.value.code == "birth_date_future"
    assert "2026-01-06" in str(info.value) and "future" in str(info.value)
    too_old = domain.make_national_id("110105", dt.date(1899, 12, 31), 3)
    with pytest.raises(domain.IdentifierError) as info:
        domain.check_national_id(too_old, today=today)
    assert info.value.code == "birth_date_too_early"
    assert "1900-01-01" in str(info.value)


def test_without_a_date_today_is_the_systems_date_with_a_day_of_grace() -> None:
    # East of the server it may already be tomorrow: a baby born "tomorrow" passes, not later.
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert domain.check_national_id(domain.make_national_id("110105", tomorrow, 4))
    with pytest.raises(domain.IdentifierError) as info:
        later = tomorrow + dt.timedelta(days=1)
        domain.check_national_id(domain.make_national_id("110105", later, 4))
    assert info.value.code == "birth_date_future"


def test_normalise_national_id_still_rejects_a_wrong_number() -> None:
    with pytest.raises(domain.IdentifierError) as info:
        domain.normalise_national_id("110105194912310021")
    assert info.value.code == "checksum"


def test_birth_date_is_read_from_the_number() -> None:
    assert domain.birth_date_from_national_id("11010519491231002X") == dt.date(1949, 12, 31)


def test_good_usccs_pass_unchanged() -> None:
    assert domain.check_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert domain.check_uscc("91110000000000000E") == "91110000000000000E"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y44", "checksum"),
        ("91350100M000100Y4", "length"),
        ("91350100m000100y43", "lowercase"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "full_width"),
        ("91350100M000100I43", "alphabet"),  # I is never used
        ("913501O0M000100Y43", "alphabet"),  # O is never used
        ("91AB0100M000100Y43", "region"),
    ],
)
def test_bad_usccs_say_what_is_wrong(value: str, code: str) -> None:
    with pytest.raises(domain.IdentifierError) as info:
        domain.check_uscc(value)
    assert info.value.code == code


def test_normalise_uscc_accepts_what_people_type() -> None:
    assert domain.normalise_uscc(" 91350100m000100y43") == "91350100M000100Y43"
    assert domain.normalise_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert domain.normalise_uscc("91350100\u3000M000100\u00a0Y43") == "91350100M000100Y43"


def test_make_helpers_build_valid_identifiers() -> None:
    nid = domain.make_national_id("110105", dt.date(1949, 12, 31), 2)
    assert nid == "11010519491231002X"
    assert domain.check_uscc(domain.make_uscc("350100", "M000100Y4")) == "91350100M000100Y43"


# --- properties ---------------------------------------------------------------------------

digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@st.composite
def plausible_ids(draw: st.DrawFn) -> str:
    """17 digits whose date part is a real date, completed with the computed check character."""
    head = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()))
    tail = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    first17 = f"{head}{born:%Y%m%d}{tail}"
    return first17 + domain.national_id_check_char(first17)


@given(digits17)
def test_any_17_digits_with_their_check_char_pass_the_checksum(first17: str) -> None:
    value = first17 + domain.national_id_check_char(first17)
    try:
        domain.check_national_id(value)
    except domain.IdentifierError as exc:
        # Random digits rarely form a real, plausible birth date; every other rule must hold.
        assert exc.code in ("birth_date", "birth_date_too_early", "birth_date_future")


@given(plausible_ids())
def test_valid_ids_pass(value: str) -> None:
    assert domain.check_national_id(value) == value


@given(plausible_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_breaks_an_id(value: str, position: int, new: str) -> None:
    if value[position] == new:
        new = "1" if new != "1" else "2"
    changed = value[:position] + new + value[position + 1 :]
    with pytest.raises(domain.IdentifierError):
        domain.check_national_id(changed)


uscc_chars = st.sampled_from(domain.USCC_ALPHABET)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    head = draw(st.text(alphabet=domain.USCC_ALPHABET, min_size=2, max_size=2))
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    org = draw(st.text(alphabet=domain.USCC_ALPHABET, min_size=9, max_size=9))
    first17 = head + region + org
    return first17 + domain.uscc_check_char(first17)


@given(usccs())
def test_valid_usccs_pass(value: str) -> None:
    assert domain.check_uscc(value) == value


@given(usccs(), st.integers(min_value=0, max_value=17), uscc_chars)
def test_changing_any_one_character_breaks_a_uscc(value: str, position: int, new: str) -> None:
    if value[position] == new:
        new = "1" if new != "1" else "2"
    changed = value[:position] + new + value[position + 1 :]
    with pytest.raises(domain.IdentifierError):
        domain.check_uscc(changed)
