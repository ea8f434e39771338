"""Dates and moments are taken as ISO 8601 text only: a number is not read as seconds since
1970, which the documentation never offers and a caller who sends one does not mean."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


@pytest.mark.parametrize("value", ["0", "-1", "0.5", "1700000000"])
def test_a_number_for_a_day_is_refused_beside_the_parameter(
    world: w.World, logged_in: Login, value: str
) -> None:
    clerk = logged_in(w.clerk(world.licensing, Role.REVIEWER))
    citizen = logged_in(w.citizen())

    tasks = clerk.get(f"/api/v1/tasks?due_before={value}", HTTP_ACCEPT_LANGUAGE="en")
    reads = citizen.get(f"/api/v1/exchange/access-log?since={value}", HTTP_ACCEPT_LANGUAGE="en")

    assert tasks.status_code == reads.status_code == 422
    assert tasks.json()["error"]["fields"] == {"due_before": ["Enter a date as YYYY-MM-DD."]}
    assert reads.json()["error"]["fields"] == {"since": ["Enter a date as YYYY-MM-DD."]}


def test_a_day_written_as_iso_text_is_taken(world: w.World, logged_in: Login) -> None:
    clerk = logged_in(w.clerk(world.licensing, Role.REVIEWER))

    assert clerk.get("/api/v1/tasks?due_before=2026-12-31").status_code == 200


def test_a_moment_as_a_number_is_refused() -> None:
    from pydantic import TypeAdapter, ValidationError

    from yiwang.api.schemas import Moment

    adapter = TypeAdapter(Moment)
    for value in (0, 0.5, "0", "-1"):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
    assert adapter.validate_python("2026-11-27T08:00:00+08:00").isoformat() == (
        "2026-11-27T00:00:00+00:00"
    )
