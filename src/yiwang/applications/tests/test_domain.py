"""Receipt numbers: their shape, and the check character that catches typing mistakes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from yiwang.applications import domain

DAY = dt.date(2026, 1, 5)
serials = st.text(alphabet=domain.ALPHABET, min_size=8, max_size=8)


def test_a_receipt_number_reads_prefix_date_serial_and_check() -> None:
    number = domain.make_receipt_number(DAY, "K7M3Q9PD")
    assert number == "YW20260105K7M3Q9PD5"
    assert domain.normalise_receipt_number(number) == number


def test_typing_slips_that_keep_the_meaning_are_forgiven() -> None:
    number = domain.make_receipt_number(DAY, "K7M3Q0PD")
    sloppy = f" {number[:6].lower()}-{number[6:10]} {number[10:].replace('0', 'O')} "
    assert domain.normalise_receipt_number(sloppy) == number


@given(serial=serials, position=st.integers(min_value=2, max_value=18), data=st.data())
def test_every_single_wrong_character_is_caught(
    serial: str, position: int, data: st.DataObject
) -> None:
    number = domain.make_receipt_number(DAY, serial)
    alphabet = "0123456789" if position < 10 else domain.ALPHABET
    wrong = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    typo = number[:position] + wrong + number[position + 1 :]
    assert domain.normalise_receipt_number(typo) is None


@given(serial=serials, position=st.integers(min_value=2, max_value=17))
def test_every_swap_of_neighbours_is_caught(serial: str, position: int) -> None:
    number = domain.make_receipt_number(DAY, serial)
    if number[position] == number[position + 1]:
        return  # swapping two equal characters changes nothing
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert domain.normalise_receipt_number(swapped) is None


def test_every_pair_of_characters_swapped_is_caught() -> None:
    for first in domain.ALPHABET:
        for second in domain.ALPHABET:
            if first == second:
                continue
            number = domain.make_receipt_number(DAY, f"ABC{first}{second}XYZ")
            swapped = number.replace(f"{first}{second}", f"{second}{first}", 1)
            assert domain.normalise_receipt_number(swapped) is None, swapped


def test_other_numbers_are_not_receipt_numbers() -> None:
    assert domain.normalise_receipt_number("") is None
    assert domain.normalise_receipt_number("13912345678") is None
    assert domain.normalise_receipt_number("YW2026010") is None


def test_text_that_is_not_a_number_as_people_write_one_stays_text() -> None:
    assert domain.coerce_answer({"type": "integer"}, "9" * 5000) == "9" * 5000
    assert domain.coerce_answer({"type": "integer"}, "9" * 400) == int("9" * 400)
    assert domain.coerce_answer({"type": "number"}, "1_000") == "1_000"
    assert domain.coerce_answer({"type": "number"}, "1e400") == "1e400"


def test_an_answer_with_a_control_character_or_an_infinite_number_has_a_problem() -> None:
    assert domain.answer_problem("line one\nline two\ttab\r") is None
    assert domain.answer_problem({"name": ["ok", "a\x01b"]}) is not None
    assert domain.answer_problem(float("nan")) is not None
    assert domain.answer_problem(12.5) is None
    assert not domain.storable(["a\x00"]) and domain.storable("a\x1b")
    # Half of a surrogate pair is not a character; a whole emoji is.
    assert domain.answer_problem({"name": "ab\udc00"}) is not None
    assert not domain.storable("ab\udc00")
    assert domain.answer_problem("ok 😀") is None and domain.storable("ok 😀")


def test_a_commitment_answered_no_says_it_must_be_yes() -> None:
    from jsonschema import Draft202012Validator

    refused = next(Draft202012Validator({"type": "boolean", "const": True}).iter_errors(False))
    other = next(Draft202012Validator({"const": "post"}).iter_errors("counter"))

    assert domain.error_message(refused) == (
        "Answer yes to go on: the application cannot be made without it."
    )
    assert domain.error_message(other) == "Choose one of the options given."


def test_a_number_too_large_for_any_number_type_is_called_too_large() -> None:
    from jsonschema import Draft202012Validator

    def message(schema: dict[str, str], typed: str) -> str:
        coerced = domain.coerce_answer(schema, typed)
        return domain.error_message(next(Draft202012Validator(schema).iter_errors(coerced)))

    too_large = "This number is too large to work with: enter a smaller one."
    assert message({"type": "number"}, "9" * 400) == too_large
    assert message({"type": "number"}, "-1e400") == too_large
    assert message({"type": "integer"}, "9" * 5000) == too_large
    assert message({"type": "number"}, "twelve") == "Enter a number."
    assert message({"type": "number"}, "1_000") == "Enter a number."
