"""The canonical JSON every event's subjects and payload are stored and hashed as."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.audit import domain

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _reference(value: Any) -> str:
    # What the standard library writes with the canonical options, built afresh each time.
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=domain._json_default,
    )


@given(_JSON)
def test_canonical_json_is_what_the_standard_encoder_writes(value: Any) -> None:
    assert domain.canonical_json(value) == _reference(value)


@given(st.lists(st.text(), max_size=5))
def test_a_list_of_strings_is_written_as_canonical_json_writes_it(values: list[str]) -> None:
    assert domain.canonical_string_list(values) == _reference(values)


def test_values_services_have_at_hand_are_written_as_text() -> None:
    moment = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    assert domain.canonical_json({"b": {3, 1}, "a": moment}) == (
        '{"a":"2026-11-28T09:30:00.000000+00:00","b":[1,3]}'
    )


@pytest.mark.parametrize("bad", [{"x": float("inf")}, {"x": object()}])
def test_what_json_cannot_hold_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        domain.canonical_json(bad)


def test_a_value_that_contains_itself_is_refused() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="refers to itself"):
        domain.canonical_json(loop)
    assert domain.canonical_json({"after": "fine"}) == '{"after":"fine"}'
