"""Writes to the catalogue: loading definition files, publishing and retiring versions.

Every function takes the actor who does it, checks that the actor may, writes in one transaction
and records an audit event per change inside that transaction.

Who may do what:

* the platform itself (``system_actor``) and platform admins: everything;
* a department admin: services whose ``department`` is one they administer;
* bundles cross departments, so only platform admins (and the platform) load or change them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from yiwang.catalogue import domain, validation
from yiwang.catalogue.constants import DefinitionKind, VersionState
from yiwang.catalogue.models import (
    BaseDefinition,
    BaseVersion,
    BundleDefinition,
    BundleVersion,
    ServiceDefinition,
    ServiceVersion,
)
from yiwang.core.definition_files import UnreadableFile, collect_files, read_yaml
from yiwang.core.errors import LoadError, LoadProblem, PermissionDenied, YiwangError


class LifecycleError(YiwangError):
    """A publish or retire that the lifecycle or the catalogue's consistency does not allow."""


@dataclass(frozen=True)
class LoadOutcome:
    kind: str
    code: str
    version: int
    action: str  # "created", "published", "created and published", "unchanged"
    file: str


@dataclass
class LoadReport:
    outcomes: list[LoadOutcome] = field(default_factory=list)

    @property
    def changed(self) -> list[LoadOutcome]:
        return [o for o in self.outcomes if o.action != "unchanged"]


# --- Actors -----------------------------------------------------------------------------------


def _actor_label(actor: Any) -> str:
    username = getattr(actor, "username", None)
    if isinstance(username, str) and username:
        return username
    return str(getattr(actor, "name", None) or actor)


def _account_or_none(actor: Any) -> Any:
    from django.contrib.auth import get_user_model

    return actor if isinstance(actor, get_user_model()) else None


def _may_manage_all(actor: Any) -> bool:
    from yiwang.identity import selectors as identity

    return identity.is_system_actor(actor) or identity.is_platform_admin(actor)


def _administered_codes(actor: Any) -> set[str]:
    from yiwang.identity import selectors as identity

    return set(identity.administered_departments(actor).values_list("code", flat=True))


def _permission_problem(actor: Any, kind: str, definition: Mapping[str, Any]) -> str | None:
    """Why the actor may not change this definition, or ``None`` when they may."""
    if _may_manage_all(actor):
        return None
    if kind == DefinitionKind.BUNDLE:
        return _("%(actor)s may not change bundles; only platform admins may") % {
            "actor": _actor_label(actor)
        }
    department = definition.get("department")
    if department not in _administered_codes(actor):
        message = _(
            "%(actor)s is not an admin of the department '%(department)s', so may not change its "
            "services"
        )
        return message % {"actor": _actor_label(actor), "department": department}
    return None


# --- Facts the checks need --------------------------------------------------------------------


def _facts() -> validation.Facts:
    """The departments, and the latest version of every stored service and bundle."""
    from yiwang.identity.models import Department  # the code list only; identity has no selector

    departments = dict(Department.objects.values_list("code", "is_active"))
    stored: dict[str, validation.StoredDefinition] = {}
    for kind in DefinitionKind.values:
        _definition_model, version_model, parent = _models(kind)
        versions = version_model._default_manager
        newest = (
            versions.filter(**{parent: OuterRef(parent)}).order_by("-number").values("number")[:1]
        )
        for version in versions.filter(number=Subquery(newest)).select_related(parent):
            code = getattr(version, parent).code
            stored[code] = validation.StoredDefinition(
                kind, code, version.number, version.definition, version.source
            )
    return validation.Facts(departments=departments, stored=stored, exchange=_exchange_facts())


def _exchange_facts() -> validation.ExchangeFacts | None:
    """The exchange's registries, elements and purposes, or None while it defines none."""
    from yiwang.exchange import selectors as exchange

    registries = exchange.registries()
    if not registries:
        return None
    return validation.ExchangeFacts(
        registries={
            r.code: {name: info.element.code for name, info in r.fields.items()} for r in registries
        },
        elements=frozenset(exchange.element_codes()),
        purposes=frozenset(p.code for p in exchange.purposes()),
    )


# --- Loading ----------------------------------------------------------------------------------


def check_files(
    paths: Iterable[Path], *, actor: Any | None = None
) -> tuple[list[validation.Parsed], list[LoadProblem]]:
    """Read and check files without writing; with an actor, also check their permission."""
    files, problems = collect_files(paths)
    parsed: list[validation.Parsed] = []
    for path in files:
        try:
            doc = read_yaml(path)
        except UnreadableFile as exc:
            problems.append(exc.problem)
            continue
        item, found = validation.classify(doc)
        problems += found
        if item is not None:
            parsed.append(item)

    def permission(item: validation.Parsed) -> list[LoadProblem]:
        if actor is None:
            return []
        reason = _permission_problem(actor, item.kind, item.definition)
        return [item.doc.problem((), reason)] if reason else []

    facts = _facts()
    facts.incomplete_run = bool(problems)
    problems += validation.check_run(parsed, facts, extra=permission)
    return parsed, problems


def validate_definitions(paths: Iterable[Path]) -> list[validation.Parsed]:
    """Check files exactly as ``load`` would, and write nothing. Raises :class:`LoadError`."""
    parsed, problems = check_files(paths)
    if problems:
        raise LoadError(problems)
    return parsed


def load_definitions(paths: Iterable[Path], *, actor: Any, publish: bool = False) -> LoadReport:
    """Load service and bundle files: every file of the run, or none of them.

    A file whose content differs from the latest stored version becomes a new draft version
    (published at once with ``publish``); the same content again changes nothing. Raises
    :class:`LoadError` with every problem found, having written nothing.
    """
    report = LoadReport()
    # Checked inside the transaction, so that what was checked against is what is written to
    # even when two operators load at the same time.
    with transaction.atomic():
        parsed, problems = check_files(paths, actor=actor)
        if problems:
            raise LoadError(problems)
        # Services first, so that a bundle of the same run is published after its services.
        ordered = sorted(parsed, key=lambda p: (p.kind != DefinitionKind.SERVICE, p.code))
        for item in ordered:
            report.outcomes.append(_store(item, actor=actor, publish=publish))
    return report


def _models(kind: str) -> tuple[type[BaseDefinition], type[BaseVersion], str]:
    if kind == DefinitionKind.SERVICE:
        return ServiceDefinition, ServiceVersion, "service"
    return BundleDefinition, BundleVersion, "bundle"


def _store(item: validation.Parsed, *, actor: Any, publish: bool) -> LoadOutcome:
    from yiwang.audit.services import record_event

    definition_model, version_model, parent = _models(item.kind)
    data = item.definition
    digest = domain.content_hash(data)
    definition, _created = definition_model._default_manager.get_or_create(code=item.code)
    definition = definition_model._default_manager.select_for_update().get(pk=definition.pk)
    latest = (
        version_model._default_manager.filter(**{parent: definition}).order_by("-number").first()
    )
    source = Path(item.file).name
    if latest is not None and latest.content_hash == digest:
        if publish and latest.state == VersionState.DRAFT:
            _publish(definition, latest, actor=actor)
            return LoadOutcome(item.kind, item.code, latest.number, "published", item.file)
        return LoadOutcome(item.kind, item.code, latest.number, "unchanged", item.file)
    extra: dict[str, Any]
    if item.kind == DefinitionKind.SERVICE:
        extra = {"department_code": data["department"], "audience": data["audience"]}
    else:
        extra = {"life_event_code": data["life_event"]["code"], "audience": data["audience"]}
    version = version_model._default_manager.create(
        **{parent: definition},
        number=(latest.number + 1) if latest else 1,
        definition=data,
        content_hash=digest,
        name_zh=data["name"]["zh"],
        name_en=data["name"]["en"],
        source=source,
        created_by=_account_or_none(actor),
        created_by_label=_actor_label(actor),
        **extra,
    )
    record_event(
        actor=actor,
        action=f"catalogue.{parent}_version_created",
        obj=version,
        data={
            "code": item.code,
            "version": version.number,
            "content_hash": digest,
            "source": source,
        },
    )
    if publish:
        _publish(definition, version, actor=actor)
        return LoadOutcome(item.kind, item.code, version.number, "created and published", item.file)
    return LoadOutcome(item.kind, item.code, version.number, "created", item.file)


# --- Lifecycle --------------------------------------------------------------------------------


def _find(code: str, *, lock: bool = True) -> tuple[str, Any]:
    for kind in (DefinitionKind.SERVICE, DefinitionKind.BUNDLE):
        definition_model, _version_model, _parent = _models(kind)
        query = definition_model._default_manager.filter(code=code)
        if lock:
            query = query.select_for_update()
        found = query.first()
        if found is not None:
            return kind, found
    raise LifecycleError(
        _("there is no service or bundle with the code '%(code)s'") % {"code": code}
    )


def _version(kind: str, definition: Any, number: int | None, state: str | None) -> BaseVersion:
    _definition_model, version_model, parent = _models(kind)
    versions = version_model._default_manager.filter(**{parent: definition})
    if number is not None:
        found = versions.filter(number=number).first()
        if found is None:
            message = _("%(code)s has no version %(number)d")
            raise LifecycleError(message % {"code": definition.code, "number": number})
        return found
    found = versions.filter(state=state).order_by("-number").first()
    if found is None:
        message = _("%(code)s has no version in the state '%(state)s'")
        raise LifecycleError(message % {"code": definition.code, "state": state})
    return found


def _check_actor(actor: Any, kind: str, version: BaseVersion) -> None:
    reason = _permission_problem(actor, kind, version.definition)
    if reason:
        raise PermissionDenied(reason)


def publish_definition(*, actor: Any, code: str, version: int | None = None) -> BaseVersion:
    """Publish a version (by default the latest draft); the previously published one retires."""
    with transaction.atomic():
        kind, definition = _find(code)
        target = _version(kind, definition, version, VersionState.DRAFT)
        _check_actor(actor, kind, target)
        _publish(definition, target, actor=actor)
        return target


def _publish(definition: Any, version: BaseVersion, *, actor: Any) -> None:
    from yiwang.audit.services import record_event

    kind = DefinitionKind.SERVICE if isinstance(version, ServiceVersion) else DefinitionKind.BUNDLE
    if kind == DefinitionKind.BUNDLE:
        _check_bundle_publishable(version.definition)
    else:
        _check_bundles_still_merge(definition.code, version.definition)
    previous = definition.published_version
    try:
        version.publish()
    except TransitionNotAllowed as exc:
        message = _("%(code)s version %(number)d is %(state)s; only a draft can be published")
        raise LifecycleError(
            message % {"code": definition.code, "number": version.number, "state": version.state}
        ) from exc
    if previous is not None and previous.pk != version.pk:
        previous.retire()
        previous.save(update_fields=["state", "retired_at"])
        record_event(
            actor=actor,
            action=f"catalogue.{kind}_version_retired",
            obj=previous,
            data={
                "code": definition.code,
                "version": previous.number,
                "reason": "superseded",
                "by_version": version.number,
            },
        )
    version.save(update_fields=["state", "published_at"])
    definition.published_version = version
    definition.save(update_fields=["published_version", "updated_at"])
    record_event(
        actor=actor,
        action=f"catalogue.{kind}_version_published",
        obj=version,
        data={
            "code": definition.code,
            "version": version.number,
            "content_hash": version.content_hash,
        },
    )


def _published_definitions(codes: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    return {
        v.service.code: v.definition
        for v in ServiceVersion.objects.filter(
            service__code__in=list(codes), state=VersionState.PUBLISHED
        ).select_related("service")
    }


def _check_bundle_publishable(bundle: Mapping[str, Any]) -> None:
    codes = [item["code"] for item in bundle["services"]]
    published = _published_definitions(codes)
    missing = [c for c in codes if c not in published]
    if missing:
        message = _(
            "the bundle '%(code)s' cannot be published before its services; not published: "
            "%(missing)s"
        )
        raise LifecycleError(message % {"code": bundle["code"], "missing": ", ".join(missing)})
    try:
        domain.merge_bundle(bundle, published)
    except domain.MergeConflictError as exc:
        message = _("the bundle '%(code)s': the published services cannot share one form: %(why)s")
        raise LifecycleError(message % {"code": bundle["code"], "why": exc}) from exc


def _check_bundles_still_merge(service_code: str, new_definition: Mapping[str, Any]) -> None:
    """Publishing a service must not break a published bundle that uses it."""
    for bundle in BundleVersion.objects.filter(state=VersionState.PUBLISHED):
        codes = [item["code"] for item in bundle.definition["services"]]
        if service_code not in codes:
            continue
        services = dict(_published_definitions(codes))
        services[service_code] = new_definition
        if any(c not in services for c in codes):
            continue  # already incomplete; retiring a service is refused, so this is not expected
        try:
            domain.merge_bundle(bundle.definition, services)
        except domain.MergeConflictError as exc:
            message = _(
                "publishing '%(code)s' would break the published bundle '%(bundle)s': %(why)s"
            )
            raise LifecycleError(
                message % {"code": service_code, "bundle": bundle.code, "why": exc}
            ) from exc


def retire_definition(*, actor: Any, code: str, version: int | None = None) -> BaseVersion:
    """Retire a version (by default the published one); a retired version is never published again.

    Applications that started on it keep it. A service that a published bundle uses cannot be
    retired: retire the bundle first.
    """
    from yiwang.audit.services import record_event

    with transaction.atomic():
        kind, definition = _find(code)
        if version is None:
            if definition.published_version is None:
                message = _("%(code)s has no published version to retire")
                raise LifecycleError(message % {"code": code})
            target: BaseVersion = definition.published_version
        else:
            target = _version(kind, definition, version, None)
        _check_actor(actor, kind, target)
        if kind == DefinitionKind.SERVICE and target.state == VersionState.PUBLISHED:
            users = [
                b.code
                for b in BundleVersion.objects.filter(state=VersionState.PUBLISHED)
                if code in [item["code"] for item in b.definition["services"]]
            ]
            if users:
                message = _(
                    "%(code)s is part of the published bundles %(bundles)s; retire those first"
                )
                raise LifecycleError(message % {"code": code, "bundles": ", ".join(sorted(users))})
        was_published = target.state == VersionState.PUBLISHED
        try:
            target.retire()
        except TransitionNotAllowed as exc:
            message = _("%(code)s version %(number)d is already %(state)s")
            raise LifecycleError(
                message % {"code": code, "number": target.number, "state": target.state}
            ) from exc
        target.save(update_fields=["state", "retired_at"])
        if was_published:
            definition.published_version = None
            definition.save(update_fields=["published_version", "updated_at"])
        record_event(
            actor=actor,
            action=f"catalogue.{kind}_version_retired",
            obj=target,
            data={"code": code, "version": target.number, "reason": "retired"},
        )
        return target
