"""The http connector against a fake department system on 127.0.0.1 (pytest-httpserver).

The one timeout test uses a 0.2 s read timeout and releases its held-back handlers when it ends,
so nothing here waits long, and nothing asserts how long anything took.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from yiwang.core import clock
from yiwang.core.middleware import _request_id
from yiwang.exchange import hooks
from yiwang.exchange.connectors.config import HTTP
from yiwang.exchange.connectors.constants import CircuitState
from yiwang.exchange.connectors.http import HttpConnector
from yiwang.exchange.connectors.models import ConnectorCircuit
from yiwang.exchange.connectors.status import remote_registry_status
from yiwang.exchange.constants import ACTION_READ, Outcome, Reason
from yiwang.exchange.loaders import load_definitions
from yiwang.identity.domain import national_id_check_char

from .conftest import World, events_after, last_event_id
from .helpers import agreement, log_entry, read

TOKEN_ENV = "YIWANG_TEST_REGISTRY_TOKEN"
TOKEN = "test-token-5f1c"
PATH_PREFIX = "/api/v2/persons/"
THRESHOLD = 3
RETRIES = 2
EXCHANGE_LOG = "yiwang.exchange.services.exchange"


class _QuickToStop(HTTPServer):
    def thread_target(self) -> None:
        # Looks for the request to stop every 10 ms instead of every half second, the default:
        # every test stops one.
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.01)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A fresh fake registry per test; threaded, so a slow answer never delays the next one."""
    # Not its request lines: one written after its test ended (an answer held back, released at
    # the end) would go to that test's closed log capture. Left so for the rest of the run.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    fake = _QuickToStop(host="127.0.0.1", port=0, threaded=True)
    fake.start()
    yield fake
    fake.clear()
    fake.stop()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of a test, so handlers held back to cause a timeout finish at once."""
    event = threading.Event()
    yield event
    event.set()


def registry_file(tmp_path: Path, url: str, **overrides: Any) -> Path:
    connector: dict[str, Any] = {
        "type": "http",
        "base_url": url,
        "auth": {"type": "bearer", "token_env": TOKEN_ENV},
        "record_path": "persons/{subject}",
        "records_at": "data",
        "fields": {
            "national_id": "id",
            "person_name": "name.full",
            "birth_date": "born",
            "sex": "sex",
        },
        "provenance": {"version": "meta.version", "updated_at": "meta.changed"},
        # Generous, so a busy test machine never times out by accident; the timeout test
        # lowers the read timeout.
        "timeouts": {"connect_seconds": 2, "read_seconds": 2},
        "retries": {"count": RETRIES, "backoff_seconds": 0.01, "max_backoff_seconds": 0.02},
        "circuit_breaker": {"failure_threshold": THRESHOLD, "cool_off_seconds": 30},
    }
    connector.update(overrides)
    registry = {
        "code": "population_remote",
        "name": {"zh": "远程人口库", "en": "Remote population registry"},
        "department": "registrar",
        "subject": {"kind": "person", "field": "national_id"},
        "storage": "remote",
        "connector": connector,
        "fields": [
            {"element": "national_id", "required": True},
            {"element": "person_name", "required": True},
            {"element": "birth_date"},
            {"element": "sex"},
        ],
    }
    path = tmp_path / "remote-registry.yaml"
    path.write_text(json.dumps({"registries": [registry]}, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass
class Remote:
    world: World
    server: HTTPServer
    path: str
    tmp_path: Path

    def reconfigure(self, **overrides: Any) -> None:
        load_definitions(
            [registry_file(self.tmp_path, self.server.url_for("/api/v2/"), **overrides)]
        )

    @property
    def national_id(self) -> str:
        return self.world.national_id

    def read(self, **kwargs: Any) -> Any:
        asked: dict[str, Any] = {
            "registry": "population_remote",
            "fields": ["person_name", "birth_date"],
        }
        asked.update(kwargs)
        return read(self.world, **asked)

    def answer(self, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "data": {
                "id": self.national_id,
                "name": {"full": "李华", "pinyin": "Li Hua"},
                "born": "1990-03-07",
                "sex": "2",
                "meta": {"version": 12, "changed": "2026-10-01T08:30:00+08:00"},
            }
        }
        body["data"].update(changes)
        return body

    def requests(self) -> int:
        return len(self.server.log)

    def circuit(self) -> ConnectorCircuit:
        return ConnectorCircuit.objects.get(registry_code="population_remote")


@pytest.fixture
def remote(
    loaded: World, server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Remote:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    load_definitions([registry_file(tmp_path, server.url_for("/api/v2/"))])
    agreement(
        loaded,
        code="tax_population_remote",
        registry="population_remote",
        fields=("person_name", "birth_date", "sex"),
    )
    return Remote(
        world=loaded, server=server, path=PATH_PREFIX + loaded.national_id, tmp_path=tmp_path
    )


@pytest.fixture
def request_id() -> Iterator[str]:
    token = _request_id.set("req-7d41c2")
    yield "req-7d41c2"
    _request_id.reset(token)


def failure_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == EXCHANGE_LOG and "population_remote unavailable" in r.getMessage()
    ]


# --- Reading ---------------------------------------------------------------------------------


def test_a_remote_record_is_served_through_its_field_mapping_with_provenance(
    remote: Remote,
) -> None:
    remote.server.expect_oneshot_request(remote.path, method="GET").respond_with_json(
        remote.answer()
    )
    result = remote.read(fields=["person_name", "birth_date", "sex"])
    assert result.allowed, result.reason
    record = result.record
    assert record is not None
    assert dict(record.values) == {"person_name": "李华", "birth_date": "1990-03-07", "sex": "2"}
    assert record.provenance.registry == "population_remote"
    assert record.provenance.department == "registrar"
    assert record.provenance.record_key == remote.national_id
    assert record.provenance.version == 12
    assert record.provenance.updated_at == dt.datetime(2026, 10, 1, 0, 30, tzinfo=dt.UTC)
    remote.server.check_assertions()


def test_only_the_fields_asked_for_leave_the_connector(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_json(remote.answer())
    fetched = HttpConnector().fetch(
        registry="population_remote",
        config=_stored_config(),
        subject=remote.national_id,
        fields=("person_name",),
    )
    assert len(fetched) == 1
    # The subject and record key identify the record; the birth date and sex stay unread.
    assert set(fetched[0].values) == {"person_name", "national_id"}


def _stored_config() -> dict[str, Any]:
    from yiwang.exchange.models import Registry

    return dict(Registry.objects.get(code="population_remote").connector)


def test_a_remote_read_is_audited_and_logged_for_the_person_like_a_hosted_one(
    remote: Remote,
) -> None:
    remote.server.expect_request(remote.path).respond_with_json(remote.answer())
    mark = last_event_id()
    result = remote.read()
    assert result.allowed
    [event] = events_after(mark, ACTION_READ)
    assert event.object_id == "population_remote"
    assert event.data["outcome"] == Outcome.SERVED
    assert event.data["agreement"] == "tax_population_remote"
    assert event.data["records"] == [{"key": remote.national_id, "version": 12}]
    assert f"person:{remote.national_id}" in json.dumps(event.subjects, ensure_ascii=False)
    # Values never enter the audit log.
    assert "李华" not in json.dumps(event.data, ensure_ascii=False)
    entry = log_entry(result)
    assert entry is not None
    assert entry.outcome == Outcome.SERVED and entry.subject_key == remote.national_id
    assert entry.records == [{"key": remote.national_id, "version": 12}]
    assert entry.agreement is not None and entry.agreement.code == "tax_population_remote"


def test_the_bearer_token_is_read_from_the_named_environment_variable(
    remote: Remote, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    remote.server.expect_request(
        remote.path, headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_json(remote.answer())
    assert remote.read().allowed

    monkeypatch.setenv(TOKEN_ENV, "rotated-token-9a")
    remote.server.clear()
    remote.server.expect_request(
        remote.path, headers={"Authorization": "Bearer rotated-token-9a"}
    ).respond_with_json(remote.answer())
    assert remote.read().allowed

    monkeypatch.delenv(TOKEN_ENV)
    before = remote.requests()
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == before  # nothing is sent without credentials
    [line] = failure_lines(caplog)
    assert TOKEN_ENV in line and "rotated-token-9a" not in line


def test_the_request_id_goes_to_the_remote_and_into_the_failure_line(
    remote: Remote, request_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    remote.server.expect_request(
        remote.path, headers={"X-Request-ID": request_id}
    ).respond_with_data("down for maintenance", status=503)
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    [line] = failure_lines(caplog)
    assert request_id in line
    assert "HTTP 503" in line and "after 3 attempts" in line
    # The address template is logged, never the person's id number.
    assert "persons/{subject}" in line and remote.national_id not in line


def test_404_means_the_remote_registry_holds_no_record(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_json({"error": "not found"}, status=404)
    result = remote.read()
    assert not result.allowed and result.reason == Reason.UNKNOWN_SUBJECT
    assert remote.requests() == 1  # a definite answer: not retried
    assert not ConnectorCircuit.objects.exists()  # and not a failure of the registry


def test_an_empty_list_of_records_also_means_no_record(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_json({"data": []})
    assert remote.read().reason == Reason.UNKNOWN_SUBJECT


def test_several_records_of_one_subject_are_all_served(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_json({"data": [remote.answer()["data"]]})
    result = remote.read()
    assert result.allowed and len(result.records) == 1


# --- Timeouts and retries --------------------------------------------------------------------


def test_an_answer_slower_than_the_read_timeout_is_retried_then_refused(
    remote: Remote, release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    # The server logs a request only once its handler returns, so count them as they arrive.
    arrived: list[str] = []

    def too_slow(request: Request) -> Response:
        arrived.append(request.path)
        release.wait(timeout=2)  # far beyond the 0.2 s read timeout
        return Response(json.dumps(remote.answer()), content_type="application/json")

    remote.reconfigure(timeouts={"connect_seconds": 2, "read_seconds": 0.2})
    remote.server.expect_request(remote.path).respond_with_handler(too_slow)
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    assert arrived == [remote.path] * (RETRIES + 1)
    [line] = failure_lines(caplog)
    assert "read timeout (0.2 s)" in line
    assert log_entry(result).outcome == Outcome.DENIED  # type: ignore[union-attr]
    assert remote.circuit().failures == 1


def test_a_slow_answer_within_the_timeout_is_served(remote: Remote) -> None:
    def a_little_slow(request: Request) -> Response:
        threading.Event().wait(0.05)  # well within the read timeout
        return Response(json.dumps(remote.answer()), content_type="application/json")

    remote.server.expect_request(remote.path).respond_with_handler(a_little_slow)
    result = remote.read()
    assert result.allowed, result.reason
    assert remote.requests() == 1


def test_a_5xx_answer_is_retried_with_backoff_and_the_next_answer_served(
    remote: Remote,
) -> None:
    pauses: list[float] = []
    hooks.register_connector(HTTP, HttpConnector(sleep=pauses.append, rand=lambda: 1.0))
    remote.server.expect_ordered_request(remote.path).respond_with_data("busy", status=502)
    remote.server.expect_ordered_request(remote.path).respond_with_data("busy", status=503)
    remote.server.expect_ordered_request(remote.path).respond_with_json(remote.answer())
    result = remote.read()
    assert result.allowed, result.reason
    assert remote.requests() == 3
    # Exponential: 0.01 s, then 0.02 s (the cap).
    assert pauses == [0.01, 0.02]
    # A lookup that succeeded in the end is not a failure of the registry.
    assert not ConnectorCircuit.objects.filter(failures__gt=0).exists()


def test_backoff_is_jittered_between_half_and_all_of_the_exponential_delay() -> None:
    from yiwang.exchange.connectors.config import RetryPolicy
    from yiwang.exchange.connectors.http import backoff_delay

    policy = RetryPolicy(count=5, backoff=0.5, max_backoff=3.0)
    assert [backoff_delay(n, policy, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [
        0.5,
        1.0,
        2.0,
        3.0,
        3.0,
    ]
    assert [backoff_delay(n, policy, lambda: 0.0) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]


def test_a_4xx_answer_is_never_retried(remote: Remote, caplog: pytest.LogCaptureFixture) -> None:
    remote.server.expect_request(remote.path).respond_with_json({"error": "bad id"}, status=400)
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == 1
    [line] = failure_lines(caplog)
    assert "HTTP 400" in line


def test_refused_credentials_are_named_and_not_retried(
    remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    remote.server.expect_request(remote.path).respond_with_data("no", status=401)
    with caplog.at_level(logging.WARNING):
        assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == 1
    assert "refused our credentials (HTTP 401)" in failure_lines(caplog)[0]


def test_a_redirect_is_not_followed(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_data(
        "", status=302, headers={"Location": "https://elsewhere.example.org/"}
    )
    assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == 1


def test_a_closed_port_is_a_failure_of_the_registry(
    loaded: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    stopped = HTTPServer(host="127.0.0.1", port=0)
    stopped.start()
    url = stopped.url_for("/")
    stopped.stop()  # nothing listens there now
    load_definitions([registry_file(tmp_path, url)])
    agreement(loaded, code="tax_population_remote", registry="population_remote")
    result = read(loaded, registry="population_remote")
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    circuit = ConnectorCircuit.objects.get(registry_code="population_remote")
    assert circuit.failures == 1 and "could not connect" in circuit.last_error


# --- Answers that break the contract ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ('{"data": {"id": ', "application/json", "did not answer valid JSON"),
        ("<html>Service Unavailable</html>", "text/html", "did not answer valid JSON"),
        (b"\xff\xfe{}", "application/json", "did not answer UTF-8 JSON"),
        ('{"items": []}', "application/json", "nothing at records_at 'data'"),
        ('{"data": ["not an object"]}', "application/json", "is not a JSON object"),
    ],
)
def test_a_malformed_answer_is_a_connector_error_not_a_crash(
    remote: Remote,
    caplog: pytest.LogCaptureFixture,
    body: str | bytes,
    content_type: str,
    expected: str,
) -> None:
    remote.server.expect_request(remote.path).respond_with_data(body, content_type=content_type)
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    [line] = failure_lines(caplog)
    assert expected in line
    # The remote answered: a contract problem is not retried and does not trip the circuit.
    assert remote.requests() == 1
    assert not ConnectorCircuit.objects.filter(failures__gt=0).exists()


def test_an_answer_missing_a_mapped_field_names_the_field_and_its_place(
    remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    answer = remote.answer()
    del answer["data"]["name"]
    remote.server.expect_request(remote.path).respond_with_json(answer)
    with caplog.at_level(logging.WARNING):
        assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    [line] = failure_lines(caplog)
    assert "lacks mapped field(s): person_name (at name.full)" in line


def test_a_value_that_does_not_fit_its_element_is_refused_without_logging_it(
    remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    remote.server.expect_request(remote.path).respond_with_json(remote.answer(born="07/03/1990"))
    with caplog.at_level(logging.WARNING):
        assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    [line] = failure_lines(caplog)
    assert "birth_date (date)" in line and "07/03/1990" not in line


def test_a_record_about_another_person_is_never_served(
    remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    other = "11010119900307123" + national_id_check_char("11010119900307123")
    remote.server.expect_request(remote.path).respond_with_json(remote.answer(id=other))
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert not result.allowed and result.records == ()
    [line] = failure_lines(caplog)
    assert "another person or firm" in line and other not in line


def test_unusable_provenance_is_refused(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_json(
        remote.answer(meta={"version": "twelve", "changed": "2026-10-01T08:30:00+08:00"})
    )
    assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE


# --- The circuit breaker ---------------------------------------------------------------------


def _open_the_circuit(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_data("down", status=500)
    for _ in range(THRESHOLD):
        assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE


def test_the_circuit_opens_after_the_threshold_and_then_sends_nothing(
    remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        _open_the_circuit(remote)
    assert remote.requests() == THRESHOLD * (RETRIES + 1)
    circuit = remote.circuit()
    assert circuit.state == CircuitState.OPEN and circuit.failures == THRESHOLD
    assert circuit.opened_at is not None and "HTTP 500" in circuit.last_error
    assert any(
        "circuit opened after 3 consecutive failures" in r.getMessage() for r in caplog.records
    )

    sent = remote.requests()
    mark = last_event_id()
    with caplog.at_level(logging.WARNING):
        result = remote.read()
    assert result.reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == sent  # no request reached the server
    [event] = events_after(mark, ACTION_READ)
    assert event.data["reason"] == Reason.REGISTRY_UNAVAILABLE
    assert "circuit open" in failure_lines(caplog)[-1]
    status = remote_registry_status("population_remote")
    assert status is not None and not status.available
    assert status.next_trial_at == circuit.opened_at + dt.timedelta(seconds=30)


def test_a_success_before_the_threshold_starts_the_count_again(remote: Remote) -> None:
    remote.server.expect_ordered_request(remote.path).respond_with_data("down", status=500)
    remote.server.expect_ordered_request(remote.path).respond_with_data("down", status=500)
    remote.server.expect_ordered_request(remote.path).respond_with_data("down", status=500)
    remote.server.expect_ordered_request(remote.path).respond_with_json(remote.answer())
    assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.circuit().failures == 1
    assert remote.read().allowed
    circuit = remote.circuit()
    assert circuit.failures == 0 and circuit.state == CircuitState.CLOSED


def _cool_off_passes(remote: Remote) -> None:
    ConnectorCircuit.objects.filter(registry_code="population_remote").update(
        opened_at=clock.now() - dt.timedelta(seconds=31)
    )


def test_after_the_cool_off_one_trial_request_closes_the_circuit(remote: Remote) -> None:
    _open_the_circuit(remote)
    _cool_off_passes(remote)
    remote.server.clear()
    remote.server.expect_request(remote.path).respond_with_json(remote.answer())
    result = remote.read()
    assert result.allowed, result.reason
    assert remote.requests() == 1
    circuit = remote.circuit()
    assert circuit.state == CircuitState.CLOSED and circuit.failures == 0
    assert circuit.opened_at is None
    status = remote_registry_status("population_remote")
    assert status is not None and status.available


def test_a_failed_trial_opens_the_circuit_again_without_retrying(remote: Remote) -> None:
    _open_the_circuit(remote)
    _cool_off_passes(remote)
    remote.server.clear()
    remote.server.expect_request(remote.path).respond_with_data("still down", status=503)
    assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == 1  # the trial is one request, not one plus retries
    circuit = remote.circuit()
    assert circuit.state == CircuitState.OPEN
    assert circuit.opened_at is not None
    assert circuit.opened_at > clock.now() - dt.timedelta(seconds=5)  # a new cool-off
    assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == 1


def test_while_a_trial_is_under_way_other_reads_send_nothing(remote: Remote) -> None:
    _open_the_circuit(remote)
    ConnectorCircuit.objects.filter(registry_code="population_remote").update(
        state=CircuitState.HALF_OPEN, trial_started_at=clock.now()
    )
    remote.server.clear()
    remote.server.expect_request(remote.path).respond_with_json(remote.answer())
    assert remote.read().reason == Reason.REGISTRY_UNAVAILABLE
    assert remote.requests() == 0


def test_a_trial_abandoned_by_a_dead_process_is_taken_over(remote: Remote) -> None:
    _open_the_circuit(remote)
    ConnectorCircuit.objects.filter(registry_code="population_remote").update(
        state=CircuitState.HALF_OPEN, trial_started_at=clock.now() - dt.timedelta(minutes=5)
    )
    remote.server.clear()
    remote.server.expect_request(remote.path).respond_with_json(remote.answer())
    assert remote.read().allowed
    assert remote.circuit().state == CircuitState.CLOSED


def test_a_healthy_registry_writes_no_circuit_row(remote: Remote) -> None:
    remote.server.expect_request(remote.path).respond_with_json(remote.answer())
    for _ in range(3):
        assert remote.read().allowed
    assert not ConnectorCircuit.objects.exists()


# --- Loading registry files ------------------------------------------------------------------


def _problems(path: Path) -> list[tuple[str, str, str]]:
    from django.utils import translation

    from yiwang.core.errors import LoadError

    # Compared in English, whatever the site's default language is.
    with translation.override("en"), pytest.raises(LoadError) as caught:
        load_definitions([path])
    return [(Path(p.file).name, p.path, p.reason) for p in caught.value.problems]


def test_a_connector_to_a_plain_http_address_elsewhere_is_refused(
    loaded: World, tmp_path: Path
) -> None:
    problems = _problems(registry_file(tmp_path, "http://population.psb.example.org/api/"))
    assert len(problems) == 1
    file, path, reason = problems[0]
    assert file == "remote-registry.yaml"
    assert path == "registries[0].connector.base_url"
    assert "must use https" in reason
    from yiwang.exchange.models import Registry

    assert not Registry.objects.filter(code="population_remote").exists()


def test_https_and_local_http_addresses_load(loaded: World, tmp_path: Path) -> None:
    load_definitions([registry_file(tmp_path, "https://population.psb.example.org/api/")])
    load_definitions([registry_file(tmp_path, "http://localhost:8081/")])


@pytest.mark.parametrize(
    ("overrides", "where", "expected"),
    [
        (
            {"auth": {"type": "bearer", "token_env": TOKEN_ENV, "token": "s3cret"}},
            "registries[0].connector.auth.token",
            "unknown key 'token'",
        ),
        (
            {"auth": {"type": "bearer"}},
            "registries[0].connector.auth.token_env",
            "is missing; this key is required",
        ),
        ({"record_path": "persons/by-id"}, "registries[0].connector.record_path", "{subject}"),
        (
            {"record_path": "../admin/{subject}"},
            "registries[0].connector.record_path",
            "must not climb out",
        ),
        (
            {"base_url": "https://user:pw@population.example.org/"},
            "registries[0].connector.base_url",
            "must not contain a user name or password",
        ),
        (
            {"fields": {"national_id": "id", "person_name": "name.full", "birth_date": "born"}},
            "registries[0].connector.fields",
            "missing: sex",
        ),
        (
            {
                "fields": {
                    "national_id": "id",
                    "person_name": "name..full",
                    "birth_date": "born",
                    "sex": "sex",
                }
            },
            "registries[0].connector.fields.person_name",
            '"name..full" is not valid: must match',
        ),
        (
            {"timeouts": {"connect_seconds": 2, "read_seconds": 0}},
            "registries[0].connector.timeouts.read_seconds",
            "must be > 0, not 0",
        ),
    ],
)
def test_wrong_connector_options_are_named_by_path(
    loaded: World, tmp_path: Path, overrides: dict[str, Any], where: str, expected: str
) -> None:
    problems = _problems(registry_file(tmp_path, "https://population.example.org/", **overrides))
    assert any(path == where and expected in reason for _, path, reason in problems), problems


def test_a_mapping_for_a_field_the_registry_does_not_have_is_refused(
    loaded: World, tmp_path: Path
) -> None:
    fields = {
        "national_id": "id",
        "person_name": "name.full",
        "birth_date": "born",
        "sex": "sex",
        "shoe_size": "shoe",
    }
    problems = _problems(registry_file(tmp_path, "https://p.example.org/", fields=fields))
    assert [(p, r.split(";")[0]) for _, p, r in problems] == [
        ("registries[0].connector.fields.shoe_size", "the registry has no field 'shoe_size'")
    ]


def test_the_documented_example_registry_loads(loaded: World, tmp_path: Path) -> None:
    """The example in docs/exchange.md, Remote registries, is a file that loads."""
    docs = Path(__file__).resolve().parents[4] / "docs" / "exchange.md"
    text = docs.read_text(encoding="utf-8")
    start = text.index("```yaml\nregistries:\n  - code: population_psb")
    example = text[start + len("```yaml\n") : text.index("```", start + 7)]
    example = example.replace("department: public_security", "department: registrar")
    path = tmp_path / "example.yaml"
    path.write_text(textwrap.dedent(example), encoding="utf-8")
    report = load_definitions([path])
    assert report.created["registries"] == ["population_psb"]
