"""Statements that must be planned for their own values are not kept prepared on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from yiwang.core.db.planning import planned_each_time

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

QUERY = "SELECT count(*) FROM identity_region WHERE code <> %s"


def prepared(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%code <> $1%{marker}%"],
        )
        return int(cursor.fetchone()[0])


def run(times: int, marker: str) -> None:
    with connection.cursor() as cursor:
        for _ in range(times):
            cursor.execute(f"{QUERY} -- {marker}", ["x"])
            cursor.fetchone()


def test_a_statement_run_again_is_prepared_but_not_inside_planned_each_time() -> None:
    with planned_each_time():
        run(5, "inside")
    run(5, "outside")

    assert prepared("inside") == 0
    assert prepared("outside") == 1
