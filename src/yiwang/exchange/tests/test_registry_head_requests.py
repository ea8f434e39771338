"""The registry API's reads are GET only: a HEAD request is refused (405) before anything is
read, so no read is recorded on the audit log or in anyone's access log."""

from __future__ import annotations

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.exchange.constants import (
    ACTION_RECORD_CHECKED,
    ACTION_RECORD_HISTORY_VIEWED,
    ACTION_RECORD_VIEWED,
    ACTION_RECORDS_LISTED,
)
from yiwang.exchange.models import AccessLogEntry
from yiwang.exchange.tests.api_support import bearer, last_event_id, send, system_with_token
from yiwang.exchange.tests.conftest import World

pytestmark = pytest.mark.django_db

PEOPLE = "/registries/people/v1/records"


@pytest.mark.parametrize(
    ("suffix", "action"),
    [
        ("", ACTION_RECORDS_LISTED),
        ("/{key}", ACTION_RECORD_VIEWED),
        ("/{key}/exists", ACTION_RECORD_CHECKED),
        ("/{key}/history", ACTION_RECORD_HISTORY_VIEWED),
    ],
)
def test_head_of_a_registry_read_is_refused_and_records_nothing(
    populated: World, suffix: str, action: str
) -> None:
    _, token = system_with_token(populated.registrar, "population-system")
    client = bearer(token)
    path = PEOPLE + suffix.format(key=populated.national_id)
    mark = last_event_id()
    logged = AccessLogEntry.objects.count()

    head = send(client, "head", path)

    assert head.status_code == 405
    assert not AuditEvent.objects.filter(id__gt=mark).exists()
    assert AccessLogEntry.objects.count() == logged

    get = send(client, "get", path)

    assert get.status_code == 200
    assert list(AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True)) == [action]
