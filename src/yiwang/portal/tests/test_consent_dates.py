"""The consent form's end date is understood the same in every language: a date typed as
2027/06/30 is taken in English as in Chinese, and one only a language's own format writes is
refused in both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core import clock
from yiwang.exchange import selectors as exchange
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    populated,
    signing_key,
    world,
)
from yiwang.portal.tests.test_data_pages import LANGUAGES, client_for

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]


def _send(w: World, language: str, expires_on: str) -> int:
    response = client_for(w.citizen, language).post(
        "/my/consents/new/",
        {
            "choice": "welfare_contributions:benefit_assessment",
            "data_items": ["insured"],
            "expires_on": expires_on,
        },
    )
    return response.status_code


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("sep", ["-", "/"])
def test_the_end_date_is_read_the_same_in_every_language(
    populated: World, language: str, sep: str
) -> None:
    day = timezone.localdate(clock.now()) + dt.timedelta(days=30)
    assert _send(populated, language, day.strftime(f"%Y{sep}%m{sep}%d")) == 302
    [consent] = exchange.consents_for(actor=populated.citizen)
    assert consent.expires_at.date() in (day, day + dt.timedelta(days=1))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_only_one_language_writes_is_refused_in_every_language(
    populated: World, language: str
) -> None:
    day = timezone.localdate(clock.now()) + dt.timedelta(days=30)
    assert _send(populated, language, day.strftime("%m/%d/%Y")) == 200
    assert exchange.consents_for(actor=populated.citizen) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_data_log_filter_shows_its_dates_in_iso_and_reads_them_in_every_language(
    populated: World, language: str
) -> None:
    page = client_for(populated.citizen, language).get(
        "/my/data/", {"since": "2026/01/05", "until": "2026-02-01"}
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="2026-01-05"' in text and 'value="2026-02-01"' in text
