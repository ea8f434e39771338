"""Keyset pages: every row once, in order, forwards and backwards, across ties and empty dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yiwang.core.pagination import Cursor, keyset_page
from yiwang.identity.models import Person
from yiwang.identity.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

DAYS = [dt.date(1990, 1, 1), dt.date(1990, 1, 2), dt.date(1991, 6, 30)]


@pytest.fixture
def people() -> list[Any]:
    # Many rows share each date (the tie-break by key decides their order), a few have none.
    made = [PersonFactory(birth_date=DAYS[i % 3]) for i in range(14)]
    made += [PersonFactory(birth_date=None) for _ in range(3)]
    return sorted(made, key=lambda p: (p.birth_date is None, p.birth_date or dt.date.min, p.pk))


def _pages_forward(limit: int) -> list[list[int]]:
    pages, after = [], None
    for _ in range(50):
        page = keyset_page(Person.objects.all(), field="birth_date", limit=limit, after=after)
        pages.append([p.pk for p in page.items])
        if page.next is None:
            return pages
        after = page.next
    raise AssertionError("paging forward never ended")


@pytest.mark.parametrize("limit", [1, 2, 4, 5, 17, 30])
def test_pages_forward_give_every_row_once_in_order(people: list[Any], limit: int) -> None:
    pages = _pages_forward(limit)
    assert [pk for page in pages for pk in page] == [p.pk for p in people]
    assert all(len(page) == limit for page in pages[:-1])


@pytest.mark.parametrize("limit", [2, 3, 5])
def test_pages_backward_give_the_pages_before(people: list[Any], limit: int) -> None:
    expected = [p.pk for p in people]
    # From every position, the page before ends just before it.
    for position in range(1, len(people)):
        row = people[position]
        page = keyset_page(
            Person.objects.all(),
            field="birth_date",
            limit=limit,
            before=Cursor(row.birth_date, row.pk),
        )
        assert [p.pk for p in page.items] == expected[max(0, position - limit) : position]
        assert (page.previous is not None) == (position > limit)


def test_a_page_starts_right_after_a_cursor_inside_a_run_of_equal_dates(
    people: list[Any],
) -> None:
    tied = [p for p in people if p.birth_date == DAYS[1]]
    middle = tied[len(tied) // 2]
    page = keyset_page(
        Person.objects.all(), field="birth_date", limit=3, after=Cursor(DAYS[1], middle.pk)
    )
    start = people.index(middle) + 1
    assert [p.pk for p in page.items] == [p.pk for p in people[start : start + 3]]
