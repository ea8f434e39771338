"""The ``http`` connector: look a subject's records up in a department's system, JSON over HTTPS.

One lookup is one ``GET`` of ``base_url`` + ``record_path`` with ``{subject}`` replaced by the
subject's identifier. The answer is one JSON object (one record), a list of them, or either of
those at ``records_at`` inside the body; ``404`` means the registry holds no record. Each
registry field is taken from its place in a record (``fields``), checked against its data
element, and handed to the exchange with its provenance. Only the fields asked for leave this
module, and nothing is kept after the lookup: no response cache (see
docs/adr/0009-remote-registry-connectors.md).

Connection failures, timeouts and 5xx answers are retried with exponential backoff and jitter
(never 4xx: asking again will not change the answer), and counted by the registry's circuit
breaker, shared by every process through the database (:mod:`.breaker`). Every way a lookup
can go wrong ends in :class:`~yiwang.exchange.types.ConnectorError` with a message fit for the
operators' log — the address template, never the subject — and the request id, so the exchange
refuses the read as ``registry_unavailable`` and the application carries on without the data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

import urllib3

from yiwang.core import clock
from yiwang.core.middleware import current_request_id
from yiwang.exchange import domain, policy
from yiwang.exchange.connectors.breaker import Breaker, CircuitOpen
from yiwang.exchange.connectors.config import (
    SUBJECT,
    ConfigInvalid,
    HttpConfig,
    Path,
    RetryPolicy,
    check_config,
    parse_config,
)
from yiwang.exchange.types import ConnectorError, FetchedRecord

log = logging.getLogger(__name__)

# A record lookup answers a few kilobytes; anything much bigger is a mistake on the other side
# and is not read into memory.
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_RECORDS = 100
USER_AGENT = "yiwang-exchange"

_MISSING: Any = object()


class _Unreachable(Exception):
    """Every attempt failed to get an answer (connection, timeout or 5xx)."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


class _BadAnswer(Exception):
    """The remote answered, but not with what the registry's mapping promises."""


# --- Connection pools ------------------------------------------------------------------------

_pools: dict[int, urllib3.PoolManager] = {}
_pools_lock = threading.Lock()


def _pool() -> urllib3.PoolManager:
    """This process's pool: keep-alive connections, never shared with a forked child."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(pid)
            if pool is None:
                # A pool inherited across fork() would share sockets with the parent.
                _pools.clear()
                pool = urllib3.PoolManager(num_pools=32, maxsize=8, retries=False)
                _pools[pid] = pool
    return pool


# --- Pieces ----------------------------------------------------------------------------------


def backoff_delay(retry: int, policy: RetryPolicy, rand: Callable[[], float]) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first).

    Exponential (``backoff``, twice that, four times ...) up to ``max_backoff``, with "equal
    jitter": between half and all of it, so workers that failed together do not retry together.
    """
    ceiling = min(policy.max_backoff, policy.backoff * 2 ** (retry - 1))
    return ceiling / 2 + rand() * ceiling / 2


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def lookup(document: Any, path: Path) -> Any:
    """The value at ``path`` in a JSON document, or ``_MISSING``."""
    for part in path:
        if isinstance(document, dict):
            key = str(part)
            if key not in document:
                return _MISSING
            document = document[key]
        elif isinstance(document, list) and isinstance(part, int) and part < len(document):
            document = document[part]
        else:
            return _MISSING
    return document


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


class HttpConnector:
    """Registered for ``connector.type: http``. Thread-safe and shared by a whole process."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._sleep = sleep
        self._rand = rand

    # The loader asks this while loading a registry file (see hooks.check_connector_config).
    def check_config(
        self,
        config: Mapping[str, Any],
        *,
        fields: Iterable[str],
        subject_field: str,
        record_key: str,
    ) -> list[tuple[str, str]]:
        return check_config(
            config, fields=fields, subject_field=subject_field, record_key=record_key
        )

    def fetch(
        self,
        *,
        registry: str,
        config: Mapping[str, Any],
        subject: str,
        fields: tuple[str, ...],
    ) -> list[FetchedRecord]:
        request_id = current_request_id() or uuid.uuid4().hex
        try:
            return self._fetch(
                registry=registry,
                config=config,
                subject=subject,
                fields=fields,
                request_id=request_id,
            )
        except ConnectorError:
            raise
        except Exception as exc:
            # A bug here must not turn a refusable read into a crashed page.
            log.exception(
                "registry %s: the http connector failed (request %s)", registry, request_id
            )
            raise ConnectorError(
                f"internal error in the http connector: {type(exc).__name__} (request {request_id})"
            ) from exc

    def _fetch(
        self,
        *,
        registry: str,
        config: Mapping[str, Any],
        subject: str,
        fields: tuple[str, ...],
        request_id: str,
    ) -> list[FetchedRecord]:
        try:
            cfg = parse_config(config)
        except ConfigInvalid as exc:
            raise ConnectorError(f"misconfigured: {exc} (request {request_id})") from None
        info = policy.snapshot().registries.get(registry)
        if info is None:
            raise ConnectorError(f"no registry {registry!r} is defined (request {request_id})")
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-Request-ID": request_id,
        }
        if cfg.token_env:
            token = os.environ.get(cfg.token_env, "")
            if not token:
                raise ConnectorError(
                    f"the environment variable {cfg.token_env} named by connector.auth.token_env "
                    f"is not set (request {request_id})"
                )
            headers["Authorization"] = f"Bearer {token}"
        breaker = Breaker(
            registry,
            cfg.breaker,
            trial_timeout=cfg.breaker.cool_off + cfg.timeouts.connect + cfg.timeouts.read,
        )
        try:
            permit = breaker.admit()
        except CircuitOpen as exc:
            raise CircuitOpen(f"{exc} (request {request_id})") from None
        url = cfg.url_template.replace(SUBJECT, quote(subject, safe=""))
        attempts = 1 if permit.trial else 1 + cfg.retries.count
        what = f"GET {cfg.url_template}"
        try:
            status, body = self._get(url, headers, cfg, attempts)
        except _Unreachable as exc:
            tries = f" after {exc.attempts} attempts" if exc.attempts > 1 else ""
            message = f"{what}: {exc.reason}{tries}"
            breaker.failed(permit, message)
            raise ConnectorError(f"{message} (request {request_id})") from None
        breaker.succeeded(permit)
        try:
            return self._records(cfg, info, subject, fields, status, body)
        except _BadAnswer as exc:
            raise ConnectorError(f"{what}: {exc} (request {request_id})") from None

    def _get(
        self, url: str, headers: dict[str, str], cfg: HttpConfig, attempts: int
    ) -> tuple[int, bytes]:
        timeout = urllib3.Timeout(connect=cfg.timeouts.connect, read=cfg.timeouts.read)
        reason = ""
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self._sleep(backoff_delay(attempt - 1, cfg.retries, self._rand))
            try:
                response = _pool().request(
                    "GET",
                    url,
                    headers=headers,
                    timeout=timeout,
                    retries=False,
                    redirect=False,
                    preload_content=False,
                )
                try:
                    body = response.read(MAX_RESPONSE_BYTES + 1)
                    if len(body) > MAX_RESPONSE_BYTES:
                        # Unread bytes would poison the kept-alive connection.
                        response.close()
                finally:
                    response.release_conn()
            # urllib3's own messages can carry the address, which holds the subject's
            # identifier: the reasons below say what happened without it.
            # NewConnectionError is a kind of ConnectTimeoutError in urllib3: test it first.
            except urllib3.exceptions.NewConnectionError:
                reason = "could not connect"
            except urllib3.exceptions.ConnectTimeoutError:
                reason = f"connecting timed out ({cfg.timeouts.connect:g} s)"
            except urllib3.exceptions.ReadTimeoutError:
                reason = f"no answer within the read timeout ({cfg.timeouts.read:g} s)"
            except urllib3.exceptions.SSLError:
                reason = "the TLS handshake failed (certificate or protocol)"
            except urllib3.exceptions.HTTPError as exc:
                reason = f"the connection failed ({type(exc).__name__})"
            else:
                if response.status >= 500:
                    reason = f"answered HTTP {response.status}"
                    continue
                return response.status, body
        raise _Unreachable(reason, attempts)

    def _records(
        self,
        cfg: HttpConfig,
        info: policy.RegistryInfo,
        subject: str,
        fields: tuple[str, ...],
        status: int,
        body: bytes,
    ) -> list[FetchedRecord]:
        if status == 404:
            return []
        if 300 <= status < 400:
            raise _BadAnswer(
                f"answered with a redirect (HTTP {status}); redirects are not followed, so "
                "the credentials never go to another address: correct base_url"
            )
        if status in (401, 403):
            raise _BadAnswer(f"refused our credentials (HTTP {status}): check auth")
        if status >= 400:
            raise _BadAnswer(f"refused the lookup (HTTP {status})")
        if len(body) > MAX_RESPONSE_BYTES:
            raise _BadAnswer(f"answered more than {MAX_RESPONSE_BYTES} bytes")
        try:
            document = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise _BadAnswer("did not answer UTF-8 JSON") from None
        except json.JSONDecodeError as exc:
            raise _BadAnswer(
                f"did not answer valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            ) from None
        except RecursionError:
            raise _BadAnswer("did not answer usable JSON (nested too deeply)") from None
        root = lookup(document, cfg.records_at) if cfg.records_at else document
        if root is _MISSING:
            raise _BadAnswer(f"the answer has nothing at records_at {dotted(cfg.records_at)!r}")
        if root is None:
            return []
        items = root if isinstance(root, list) else [root]
        if len(items) > MAX_RECORDS:
            raise _BadAnswer(f"answered more than {MAX_RECORDS} records for one subject")
        records = [self._record(cfg, info, subject, fields, item) for item in items]
        keys = [r.record_key for r in records]
        if len(set(keys)) != len(keys):
            raise _BadAnswer("answered two records with the same record key")
        return sorted(records, key=lambda r: r.record_key)

    def _record(
        self,
        cfg: HttpConfig,
        info: policy.RegistryInfo,
        subject: str,
        fields: tuple[str, ...],
        item: Any,
    ) -> FetchedRecord:
        if not isinstance(item, dict):
            raise _BadAnswer("a record in the answer is not a JSON object")
        # Only what was asked for, plus what identifies the record: the rest stays unread.
        names = list(dict.fromkeys([*fields, info.subject_field, info.record_key_field]))
        raw: dict[str, Any] = {}
        missing: list[str] = []
        for name in names:
            if name not in info.fields or name not in cfg.fields:
                raise _BadAnswer(
                    f"the field {name!r} has no place in connector.fields; reload the registry"
                )
            value = lookup(item, cfg.fields[name])
            if value is _MISSING:
                missing.append(f"{name} (at {dotted(cfg.fields[name])})")
            else:
                raw[name] = value
        if missing:
            raise _BadAnswer(f"the answer lacks mapped field(s): {', '.join(missing)}")
        specs = {name: info.fields[name].element for name in raw}
        required = frozenset(name for name in raw if info.fields[name].required)
        clean, problems = domain.clean_values(specs, raw, required=required)
        if problems:
            # Problem codes only: the values themselves are personal data.
            found = ", ".join(
                f"{name} ({'; '.join(p.code for p in found)})"
                for name, found in sorted(problems.items())
            )
            raise _BadAnswer(f"value(s) that do not fit their data element: {found}")
        try:
            answered_subject = domain.normalise_subject(
                info.subject_kind, clean[info.subject_field]
            )
        except domain.SubjectInvalid:
            raise _BadAnswer(f"the subject field {info.subject_field} is not valid") from None
        if answered_subject != subject:
            # Serving it would show one person's data as another's.
            raise _BadAnswer("answered a record about another person or firm")
        version = 0
        if cfg.version_at is not None:
            version = lookup(item, cfg.version_at)
            if isinstance(version, bool) or not isinstance(version, int) or version < 0:
                raise _BadAnswer(
                    f"provenance.version (at {dotted(cfg.version_at)}) is not a whole number"
                )
        updated_at = clock.now()
        if cfg.updated_at_at is not None:
            found_at = _parse_datetime(lookup(item, cfg.updated_at_at))
            if found_at is None:
                raise _BadAnswer(
                    f"provenance.updated_at (at {dotted(cfg.updated_at_at)}) is not a date "
                    "and time with a time zone offset"
                )
            updated_at = found_at
        values = {name: clean.get(name) for name in names}
        return FetchedRecord(
            record_key=str(clean[info.record_key_field]),
            values=values,
            version=version,
            updated_at=updated_at,
        )
