"""Reads of the catalogue.

Published definitions are public (the catalogue is open to everyone), so these selectors need no
actor. Drafts and the full version history are for operators and department admins; the views
that show them check the actor before calling :func:`versions_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from yiwang.catalogue import domain
from yiwang.catalogue.constants import DefinitionKind, VersionState
from yiwang.catalogue.models import (
    BaseDefinition,
    BaseVersion,
    BundleDefinition,
    BundleVersion,
    ServiceDefinition,
    ServiceVersion,
)
from yiwang.core.errors import YiwangError


class NotInCatalogue(YiwangError):
    """No such service, bundle or version (or it is not published)."""


def service_version(code: str, version: int) -> ServiceVersion:
    """One version of a service, whatever its state: an application keeps the one it started on."""
    found = ServiceVersion.objects.filter(service__code=code, number=version).first()
    if found is None:
        raise NotInCatalogue(f"service {code!r} has no version {version}")
    return found


def published_service(code: str) -> ServiceVersion | None:
    """The version of a service people can apply for now, or ``None``."""
    return (
        ServiceVersion.objects.filter(service__code=code, state=VersionState.PUBLISHED)
        .order_by("-number")
        .first()
    )


def published_services(
    *, department_code: str | None = None, audience: str | None = None
) -> QuerySet[ServiceVersion]:
    versions = ServiceVersion.objects.filter(state=VersionState.PUBLISHED).select_related("service")
    if department_code:
        versions = versions.filter(department_code=department_code)
    if audience:
        versions = versions.filter(audience__in=[audience, "both"])
    return versions.order_by("service__code")


def bundle_version(code: str, version: int) -> BundleVersion:
    found = BundleVersion.objects.filter(bundle__code=code, number=version).first()
    if found is None:
        raise NotInCatalogue(f"bundle {code!r} has no version {version}")
    return found


def published_bundle(code: str) -> BundleVersion | None:
    return (
        BundleVersion.objects.filter(bundle__code=code, state=VersionState.PUBLISHED)
        .order_by("-number")
        .first()
    )


def published_bundles(*, life_event: str | None = None) -> QuerySet[BundleVersion]:
    versions = BundleVersion.objects.filter(state=VersionState.PUBLISHED).select_related("bundle")
    if life_event:
        versions = versions.filter(life_event_code=life_event)
    return versions.order_by("life_event_code", "bundle__code")


def life_events() -> list[dict[str, Any]]:
    """The life events that have at least one published bundle, with their titles, for browsing."""
    events: dict[str, dict[str, Any]] = {}
    for version in published_bundles():
        event = version.definition["life_event"]
        entry = events.setdefault(
            event["code"], {"code": event["code"], "title": event["title"], "bundles": []}
        )
        entry["bundles"].append(version)
    return list(events.values())


def published_bundle_form(
    code: str,
) -> tuple[BundleVersion, dict[str, ServiceVersion], domain.BundleForm]:
    """A published bundle, the published versions of its services, and its merged form.

    The application records the bundle version and each service version it used, so a later
    publication changes nothing for applications already started.
    """
    bundle = published_bundle(code)
    if bundle is None:
        raise NotInCatalogue(f"bundle {code!r} is not published")
    services: dict[str, ServiceVersion] = {}
    for item in bundle.definition["services"]:
        version = published_service(item["code"])
        if version is None:
            raise NotInCatalogue(f"service {item['code']!r} of bundle {code!r} is not published")
        services[item["code"]] = version
    merged = domain.merge_bundle(bundle.definition, {c: v.definition for c, v in services.items()})
    return bundle, services, merged


def bundle_form_for(
    bundle: BundleVersion, services: Mapping[str, ServiceVersion]
) -> domain.BundleForm:
    """The merged form for stored versions (e.g. the ones an application recorded)."""
    return domain.merge_bundle(bundle.definition, {c: v.definition for c, v in services.items()})


def definitions_overview() -> list[dict[str, Any]]:
    """Every service and bundle with its latest and published version, for operators."""
    rows: list[dict[str, Any]] = []
    pairs: tuple[tuple[str, type[BaseDefinition], type[BaseVersion], str], ...] = (
        (DefinitionKind.SERVICE, ServiceDefinition, ServiceVersion, "service"),
        (DefinitionKind.BUNDLE, BundleDefinition, BundleVersion, "bundle"),
    )
    for kind, model, version_model, parent in pairs:
        latest: dict[int, BaseVersion] = {}
        published: dict[int, int] = {}
        for version in version_model._default_manager.order_by(f"{parent}_id", "number"):
            owner = getattr(version, f"{parent}_id")
            latest[owner] = version
            if version.state == VersionState.PUBLISHED:
                published[owner] = version.number
        for definition in model._default_manager.order_by("code"):
            last = latest.get(definition.pk)
            rows.append(
                {
                    "kind": kind,
                    "code": definition.code,
                    "latest": last.number if last else None,
                    "latest_state": last.state if last else None,
                    "published": published.get(definition.pk),
                    "name_zh": last.name_zh if last else "",
                    "name_en": last.name_en if last else "",
                }
            )
    return sorted(rows, key=lambda r: (r["code"], r["kind"]))


def versions_of(code: str) -> list[ServiceVersion] | list[BundleVersion]:
    """Every version of a service or bundle, oldest first (operators only)."""
    services = list(ServiceVersion.objects.filter(service__code=code).order_by("number"))
    if services:
        return services
    return list(BundleVersion.objects.filter(bundle__code=code).order_by("number"))
