"""Pure functions: values against elements, masking, subject keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.exchange import domain
from yiwang.exchange.constants import ElementType, Masking
from yiwang.exchange.domain import (
    ValueInvalid,
    apply_masking,
    clean_value,
    mask_birth_year_only,
    mask_first1_last1,
    mask_hide,
    mask_last4,
    mask_year_month,
    normalise_subject,
    validate_value,
)
from yiwang.exchange.types import ElementSpec, EnumOption
from yiwang.identity.tests.factories import national_id_for, uscc_for

NAME = ElementSpec(code="person_name", type=ElementType.STRING, min_length=2, max_length=4)
CERT = ElementSpec(code="cert", type=ElementType.STRING, pattern="[A-Z][0-9]{3}")
COUNT = ElementSpec(code="count", type=ElementType.INTEGER, minimum=0, maximum=10)
MONEY = ElementSpec(code="money", type=ElementType.DECIMAL, minimum=0, maximum="99.99")
FLAG = ElementSpec(code="flag", type=ElementType.BOOLEAN)
BORN = ElementSpec(code="born", type=ElementType.DATE, minimum="1900-01-01", maximum="2100-12-31")
AT = ElementSpec(code="at", type=ElementType.DATETIME)
SEX = ElementSpec(
    code="sex",
    type=ElementType.ENUM,
    options=(EnumOption("1", "男", "Male"), EnumOption("2", "女", "Female")),
)


def problem(spec: ElementSpec, value: object) -> str:
    with pytest.raises(ValueInvalid) as caught:
        clean_value(spec, value)
    return caught.value.problem.code


def test_strings_are_checked_for_length_and_pattern() -> None:
    assert clean_value(NAME, "李华") == "李华"
    assert problem(NAME, "李") == "min_length"
    assert problem(NAME, "欧阳娜娜娜") == "max_length"
    assert problem(NAME, 12) == "text"
    assert clean_value(CERT, "A123") == "A123"
    # The whole value must match, not just a part of it.
    assert problem(CERT, "A1234") == "pattern"
    assert problem(CERT, "xA123") == "pattern"


def test_text_with_a_control_character_is_refused_as_the_forms_refuse_it() -> None:
    assert problem(NAME, "李\x1b[31m华") == "control"
    assert problem(NAME, "李\x00华") == "control"
    assert clean_value(ElementSpec(code="note", type=ElementType.STRING), "一\n二\t三") == (
        "一\n二\t三"
    )


def test_integers_accept_numbers_and_digit_strings_within_bounds() -> None:
    assert clean_value(COUNT, 3) == 3
    assert clean_value(COUNT, " 7 ") == 7
    assert problem(COUNT, 11) == "maximum"
    assert problem(COUNT, -1) == "minimum"
    assert problem(COUNT, True) == "integer"
    assert problem(COUNT, "3.5") == "integer"


def test_decimals_are_kept_exactly_as_strings() -> None:
    assert clean_value(MONEY, "12.50") == "12.50"
    assert clean_value(MONEY, Decimal("0.1")) == "0.1"
    assert clean_value(MONEY, 3) == "3"
    assert problem(MONEY, "100") == "maximum"
    assert problem(MONEY, "abc") == "decimal"
    assert problem(MONEY, "NaN") == "decimal"


def test_booleans_accept_true_false_only() -> None:
    assert clean_value(FLAG, True) is True
    assert clean_value(FLAG, "false") is False
    assert problem(FLAG, "yes") == "boolean"
    assert problem(FLAG, 1) == "boolean"


def test_dates_are_iso_and_bounded() -> None:
    assert clean_value(BORN, dt.date(1990, 3, 7)) == "1990-03-07"
    assert clean_value(BORN, "1990-03-07") == "1990-03-07"
    assert problem(BORN, "1899-12-31") == "minimum"
    assert problem(BORN, "1990-02-30") == "date"
    assert problem(BORN, "07/03/1990") == "date"
    assert problem(BORN, dt.datetime(1990, 3, 7, tzinfo=dt.UTC)) == "date"


def test_datetimes_need_a_time_zone() -> None:
    assert clean_value(AT, "2026-10-15T09:30:00+08:00") == "2026-10-15T09:30:00+08:00"
    assert problem(AT, "2026-10-15T09:30:00") == "timezone"
    assert problem(AT, dt.datetime(2026, 10, 15, 9, 30)) == "timezone"
    assert problem(AT, "2026-10-15") == "datetime"


def test_enums_accept_listed_values_only() -> None:
    assert clean_value(SEX, "1") == "1"
    assert problem(SEX, "3") == "choice"
    assert problem(SEX, 1) == "choice"


def test_empty_is_not_a_value_and_validate_value_lists_problems() -> None:
    assert problem(NAME, "") == "required"
    assert problem(NAME, None) == "required"
    assert validate_value(NAME, "李华") == []
    [found] = validate_value(COUNT, 99)
    assert found.code == "maximum"
    assert "10" in found.message


def test_clean_values_checks_required_and_unknown_fields() -> None:
    clean, problems = domain.clean_values(
        {"person_name": NAME, "count": COUNT},
        {"count": "4", "bogus": 1},
        required=frozenset({"person_name"}),
    )
    assert clean == {"count": 4}
    assert set(problems) == {"person_name", "bogus"}


def test_masking_functions() -> None:
    assert mask_birth_year_only("1990-03-07") == "1990"
    assert mask_birth_year_only(dt.date(1990, 3, 7)) == "1990"
    assert mask_year_month("1990-03-07") == "1990-03"
    assert mask_year_month("2026-10-15T09:30:00+08:00") == "2026-10"
    assert mask_last4("110101199003071234") == "**************1234"
    assert mask_last4("1234") == "****"
    assert mask_last4(98765) == "*8765"
    assert mask_first1_last1("张三丰") == "张*丰"
    assert mask_first1_last1("欧阳娜娜") == "欧**娜"
    assert mask_first1_last1("张三") == "张*"
    assert mask_first1_last1("李") == "*"
    assert mask_first1_last1("Alice") == "A***e"
    assert mask_hide("anything") is None
    for masking in Masking.values:
        assert apply_masking(masking, None) is None
    assert apply_masking(Masking.NONE, "x") == "x"


@given(st.text(min_size=5, max_size=40))
def test_last4_never_reveals_more_than_four_characters(text: str) -> None:
    masked = mask_last4(text)
    assert masked is not None
    assert len(masked) == len(text)
    assert masked[-4:] == text[-4:]
    assert set(masked[:-4]) <= {"*"}


@given(st.text(min_size=3, max_size=40))
def test_first1_last1_keeps_only_the_ends(text: str) -> None:
    masked = mask_first1_last1(text)
    assert masked is not None
    assert masked[0] == text[0] and masked[-1] == text[-1]
    assert set(masked[1:-1]) <= {"*"}


def test_subjects_are_normalised_and_checked() -> None:
    good = national_id_for(5)
    assert normalise_subject("person", good) == good
    assert normalise_subject("person", " " + good.lower() + " ") == good
    with pytest.raises(domain.SubjectInvalid):
        normalise_subject("person", good[:-1] + ("0" if good[-1] != "0" else "1"))
    firm = uscc_for(3)
    assert normalise_subject("firm", firm) == firm
    with pytest.raises(domain.SubjectInvalid):
        normalise_subject("firm", good)
    with pytest.raises(domain.SubjectInvalid):
        normalise_subject("person", None)  # type: ignore[arg-type]


def test_day_number_orders_like_dates() -> None:
    assert domain.day_number(dt.date(2026, 1, 31)) == 20260131
    assert domain.day_number(dt.date(2026, 2, 1)) > domain.day_number(dt.date(2026, 1, 31))
