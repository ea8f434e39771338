"""CEL conditions: compiling once, evaluating against form data, finding the fields they read."""

from __future__ import annotations

import pytest

from yiwang.core import cel


def test_condition_is_evaluated_against_form_data() -> None:
    condition = cel.compile_condition("form.floor_area > 300.0 && form.kind == 'restaurant'")
    assert condition.evaluate({"floor_area": 350.5, "kind": "restaurant"}) is True
    assert condition.evaluate({"floor_area": 120.0, "kind": "restaurant"}) is False


def test_compiled_once() -> None:
    assert cel.compile_condition("form.a == 1") is cel.compile_condition("form.a == 1")


def test_reading_an_absent_field_makes_the_condition_false() -> None:
    assert cel.compile_condition("form.floor_area > 300.0").evaluate({}) is False
    assert cel.compile_condition("!has(form.floor_area)").evaluate({}) is True
    assert cel.compile_condition("has(form.a) && form.a > 3").evaluate({}) is False
    # || is decided by its other side, so the absent field does not matter.
    assert cel.compile_condition("form.a > 3 || form.b").evaluate({"b": True}) is True
    # An empty answer (None) is absent too.
    assert cel.compile_condition("has(form.a)").evaluate({"a": None}) is False


def test_syntax_error_says_where() -> None:
    with pytest.raises(cel.ConditionSyntaxError, match=r"line 1, column 10 of the expression"):
        cel.compile_condition("form.a > ")
    with pytest.raises(cel.ConditionSyntaxError, match="non-empty"):
        cel.compile_condition("  ")


def test_type_error_and_non_boolean_result_are_clear() -> None:
    with pytest.raises(
        cel.ConditionEvaluationError, match="could not be evaluated: No such overload"
    ):
        cel.compile_condition("form.name > 3").evaluate({"name": "x"})
    with pytest.raises(cel.ConditionEvaluationError, match="must give true or false, but gave 3"):
        cel.compile_condition("form.n").evaluate({"n": 3})


@pytest.mark.parametrize(
    ("source", "paths"),
    [
        ("form.a > 1", [("a",)]),
        ("form.a.b == 'x' && form.c", [("a", "b"), ("c",)]),
        ('form["a"] == 1', [("a",)]),
        ("form['a'].b == 1", [("a", "b")]),
        ('"a" in form', [("a",)]),
        ("has(form.a)", [("a",)]),
        ("form.name.size() > 2", [("name",)]),
        ("form.items.exists(x, x.price > 1.0)", [("items",)]),
        ("other.form.a == 1", []),  # a member called form of something else
        ("'form.a' == form.b", [("b",)]),  # text inside quotes is not a reference
        ('r"form.a" == "x"', []),
        ('"""form.a""" == "x"', []),
        ("form.a // form.b is a comment\n > 1", [("a",)]),
        ("form.a > 1.5e3", [("a",)]),
        ("form[key] == 1", []),  # dynamic: nothing static to check
    ],
)
def test_references_find_exactly_the_fields_read(source: str, paths: list[tuple[str, ...]]) -> None:
    assert [r.path for r in cel.references(source).fields] == paths


def test_names_bound_by_macros_are_not_unknown() -> None:
    condition = cel.compile_condition("form.items.all(item, item.price > 0.0)")
    assert cel.unknown_names(condition) == []
    assert cel.references(condition.source).bound_names == {"item"}
    assert cel.unknown_names(cel.compile_condition("applicant.age > 18")) == ["applicant"]


def test_unknown_functions_are_found() -> None:
    assert cel.unknown_functions(cel.compile_condition("lowerAscii(form.a) == 'x'")) == [
        "lowerAscii"
    ]
    assert cel.unknown_functions(cel.compile_condition("size(form.a) > 1")) == []
    assert cel.unknown_functions(cel.compile_condition("form.a.startsWith('x')")) == []


def test_a_number_too_large_for_the_evaluator_compares_as_infinitely_large() -> None:
    condition = cel.compile_condition("form.seats > 10 && form.debt < 0")

    assert condition.evaluate({"seats": 10**400, "debt": -(10**400)}) is True
