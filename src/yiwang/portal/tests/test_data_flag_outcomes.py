"""What became of a flag, in the portal: the person who raised it reads the department's outcome
and note next to the read and on the flag's page; nobody else does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.core.testing.html import parse
from yiwang.exchange import services
from yiwang.exchange.selectors import FlagOutcome, flags_raised_by
from yiwang.exchange.services.flags import close_flag
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    populated,
    signing_key,
    world,
)
from yiwang.exchange.types import Requester
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]

NOTE = "Welfare had an open benefit case for you; the read was for it."


def client_for(account: Any, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(account)
    return client


def welfare_read(w: World) -> int:
    result = services.read(
        requester=Requester.official(w.welfare_reviewer, department="welfare", role=Role.REVIEWER),
        subject=w.national_id,
        registry="people",
        fields=["person_name"],
        purpose="benefit_assessment",
    )
    assert result.allowed and result.access_log_id is not None
    return result.access_log_id


def main_text(response: Any) -> str:
    assert response.status_code == 200
    main = parse(response.content).find("main")
    assert main is not None
    return main.text


@pytest.mark.parametrize(
    ("language", "sent", "waiting", "label", "answered"),
    [
        (
            "en",
            "Your flag has been sent",
            "When it closes your flag",
            "The use was explained",
            "Your flag has been answered:",
        ),
        (
            "zh-hans",
            "您的异议已提交",
            "该部门办结您的异议时",
            "该次使用已说明理由",
            "您的异议已有答复",
        ),
    ],
)
def test_the_person_reads_the_outcome_next_to_their_flag(
    populated: World, language: str, sent: str, waiting: str, label: str, answered: str
) -> None:
    w = populated
    entry = welfare_read(w)
    client = client_for(w.citizen, language)

    raised = client.post(f"/my/data/{entry}/flag/", {"reason": "I have no case at welfare"})
    after_sending = client.get(raised["Location"])
    [flag] = flags_raised_by(actor=w.citizen)
    close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.EXPLAINED, note=NOTE)
    flag_page = client.get(f"/my/data/{entry}/flagged/")
    log = client.get("/my/data/")

    assert raised.status_code == 302 and raised["Location"] == f"/my/data/{entry}/flagged/"
    assert sent in after_sending.content.decode()  # the message after sending
    assert waiting in main_text(after_sending) and NOTE not in main_text(after_sending)
    page = main_text(flag_page)
    assert NOTE in page and label in page and "I have no case at welfare" in page
    assert waiting not in page
    listed = main_text(log)
    assert answered in listed and label in listed
    assert f'href="/my/data/{entry}/flagged/"' in log.content.decode()
    assert f'href="/my/data/{entry}/flag/"' not in log.content.decode()


def test_another_person_cannot_see_the_flag_or_its_answer(populated: World) -> None:
    w = populated
    entry = welfare_read(w)
    flag = services.flag_access(actor=w.citizen, entry=entry, reason="Not me")
    close_flag(actor=w.registrar_officer, flag_id=flag.id, outcome=FlagOutcome.ACTED_ON, note=NOTE)
    other = client_for(w.other_citizen)

    assert other.get(f"/my/data/{entry}/flagged/").status_code == 404
    listed = other.get("/my/data/")
    assert listed.status_code == 200
    assert NOTE not in listed.content.decode()
    assert f"/my/data/{entry}/flagged/" not in listed.content.decode()


def test_an_unflagged_read_offers_to_flag_it(populated: World) -> None:
    w = populated
    entry = welfare_read(w)

    page = client_for(w.citizen).get(f"/my/data/{entry}/flagged/")

    assert "You have not flagged this use." in main_text(page)
    assert f'href="/my/data/{entry}/flag/"' in page.content.decode()
