"""What a service definition asks the registries for: the fields and materials marked for
prefill, and how a registry's value becomes an answer."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from yiwang.applications import domain, workflow
from yiwang.applications.models import Application

APPLICANT = "applicant"


class Status:
    """What a prefill read gave for one field or material."""

    FOUND = "found"  # the registry's value is ready to use
    REFUSED = "refused"  # the exchange refused the read (no agreement, wrong purpose, ...)
    UNAVAILABLE = "unavailable"  # the registry could not be reached
    NOT_FOUND = "not_found"  # the registry holds no record (or no value) for the subject
    MASKED = "masked"  # the agreement only shares a masked value, which cannot be an answer
    UNUSABLE = "unusable"  # the value does not fit the question
    NO_SUBJECT = "no_subject"  # whose record to read is not known (yet)
    REPORTED = "reported"  # the person said the value is wrong
    REPLACED = "replaced"  # asked in a correction (补正), the person gave another answer


@dataclass(frozen=True)
class Want:
    """One field or material a definition says a registry can answer."""

    kind: str  # "field" | "material"
    name: str
    department: str
    registry: str
    registry_field: str
    purpose: str
    subject: str
    # Registry value -> form value, for enums the two spell differently ("2" -> "female").
    values: tuple[tuple[str, Any], ...] = ()


def application_reference(application: Application) -> str:
    """The ``case_ref`` reads for this application carry: its receipt number once submitted."""
    return application.receipt_number or domain.draft_reference(application.pk)


# The registry definitions one prefill has looked up: each is asked for once per prefill, not
# once per answer (every lookup checks that the cached definitions are current).
_registries: ContextVar[dict[str, Any] | None] = ContextVar("prefill_registries", default=None)


@contextlib.contextmanager
def registries_remembered() -> Iterator[None]:
    """Within the block, each registry definition is looked up once."""
    memo = _registries.set({})
    try:
        yield
    finally:
        _registries.reset(memo)


def registry_info(code: str) -> Any:
    """A registry's definition (:func:`yiwang.exchange.selectors.registry_info`)."""
    from yiwang.exchange import selectors as exchange

    memo = _registries.get()
    if memo is None:
        return exchange.registry_info(code)
    if code not in memo:
        memo[code] = exchange.registry_info(code)
    return memo[code]


def _registry_field(ref: Mapping[str, Any]) -> str | None:
    """The registry field a reference names, directly or through its data element."""
    if ref.get("field"):
        return str(ref["field"])
    info = registry_info(str(ref.get("registry", "")))
    if info is None:
        return None
    holding = [name for name, f in info.fields.items() if f.element.code == ref.get("element")]
    return holding[0] if len(holding) == 1 else None


def wants_of(application: Application) -> list[Want]:
    spec, pinned = workflow.form_of(application)
    fields = spec.fields
    found: dict[tuple[str, str], Want] = {}
    for service in pinned.values():
        definition = service.definition
        form_fields = dict(definition.get("form", {}).get("properties", {}))
        refs: list[tuple[str, str, Mapping[str, Any]]] = [
            ("field", name, schema["x-prefill"])
            for name, schema in form_fields.items()
            if isinstance(schema, Mapping) and "x-prefill" in schema and name in fields
        ]
        refs += [
            ("material", str(m["code"]), m["prefill"])
            for m in definition.get("materials", [])
            if "prefill" in m and spec.material(str(m["code"])) is not None
        ]
        for kind, name, ref in refs:
            if (kind, name) in found:
                continue  # the first service of a bundle that can answer it reads it
            registry_field = _registry_field(ref)
            if registry_field is None:
                continue  # the exchange no longer knows it: the person is asked, as without
            found[(kind, name)] = Want(
                kind=kind,
                name=name,
                department=service.department_code,
                registry=str(ref["registry"]),
                registry_field=registry_field,
                purpose=str(ref["purpose"]),
                subject=str(ref.get("subject", APPLICANT)),
                values=tuple((str(k), v) for k, v in dict(ref.get("values") or {}).items()),
            )
    return [w for w in found.values() if _applies(w, application)]


def _applies(want: Want, application: Application) -> bool:
    """A firm's record is asked for only when the person applies for a firm."""
    info = registry_info(want.registry)
    if info is None:
        return False
    return not (
        want.subject == APPLICANT and info.subject_kind == "firm" and application.firm is None
    )


def as_answer(want: Want, value: Any, schema: Mapping[str, Any]) -> Any:
    """The registry's value as the form's question takes it."""
    if want.values:
        value = dict(want.values).get(str(value), value)
    if isinstance(value, str) and schema.get("type") in ("number", "integer", "boolean"):
        value = domain.coerce_answer(schema, value)
    return value


def record_day(entry: Mapping[str, Any]) -> dt.date | None:
    """The day a registry's record was current as of (an entry's ``as_of``), in the platform's
    time zone, as the applicant and the clerk are both shown it; None when it is not known."""
    text = entry.get("as_of")
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def prefillable_count(definition: Mapping[str, Any]) -> int:
    """How many answers and materials of one service definition a registry can provide."""
    fields = definition.get("form", {}).get("properties", {})
    return sum(1 for f in fields.values() if isinstance(f, Mapping) and "x-prefill" in f) + sum(
        1 for m in definition.get("materials", []) if "prefill" in m
    )
