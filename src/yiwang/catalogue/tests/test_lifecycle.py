"""Versions: published content never changes, and the lifecycle refuses illegal moves."""

from __future__ import annotations

from typing import Any

import pytest
from django_fsm import TransitionNotAllowed

from yiwang.audit.models import AuditEvent
from yiwang.catalogue import selectors, services
from yiwang.catalogue.constants import VersionState
from yiwang.catalogue.models import ImmutableVersionError, ServiceDefinition, ServiceVersion
from yiwang.catalogue.tests.conftest import SERVICES
from yiwang.core.errors import LoadError, PermissionDenied
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db

RESIDENCE = SERVICES / "residence-permit-renewal.yaml"


@pytest.fixture
def loaded(departments: Any, actor: Any) -> None:
    services.load_definitions([SERVICES], actor=actor)


def test_publish_then_retire(loaded: Any, actor: Any) -> None:
    version = services.publish_definition(actor=actor, code="residence-permit-renewal")
    assert version.state == VersionState.PUBLISHED
    definition = ServiceDefinition.objects.get(code="residence-permit-renewal")
    assert definition.published_version == version

    retired = services.retire_definition(actor=actor, code="residence-permit-renewal")

    assert retired.pk == version.pk and retired.state == VersionState.RETIRED
    assert retired.retired_at is not None
    definition.refresh_from_db()
    assert definition.published_version is None
    assert selectors.published_service("residence-permit-renewal") is None
    # Still readable by number: an application on it keeps working.
    assert selectors.service_version("residence-permit-renewal", 1).state == VersionState.RETIRED
    actions = list(
        AuditEvent.objects.filter(action__startswith="catalogue.service_version_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == [
        "catalogue.service_version_published",
        "catalogue.service_version_retired",
    ]


def test_retired_version_cannot_be_published_again(loaded: Any, actor: Any) -> None:
    services.publish_definition(actor=actor, code="residence-permit-renewal")
    services.retire_definition(actor=actor, code="residence-permit-renewal")

    with pytest.raises(services.LifecycleError, match="is retired; only a draft can be published"):
        services.publish_definition(actor=actor, code="residence-permit-renewal", version=1)
    with pytest.raises(services.LifecycleError, match="has no version in the state 'draft'"):
        services.publish_definition(actor=actor, code="residence-permit-renewal")


def test_published_version_cannot_be_published_twice(loaded: Any, actor: Any) -> None:
    services.publish_definition(actor=actor, code="residence-permit-renewal")
    with pytest.raises(services.LifecycleError, match="is published; only a draft"):
        services.publish_definition(actor=actor, code="residence-permit-renewal", version=1)


def test_retiring_twice_is_refused(loaded: Any, actor: Any) -> None:
    services.retire_definition(actor=actor, code="residence-permit-renewal", version=1)
    with pytest.raises(services.LifecycleError, match="version 1 is already retired"):
        services.retire_definition(actor=actor, code="residence-permit-renewal", version=1)
    with pytest.raises(services.LifecycleError, match="no published version to retire"):
        services.retire_definition(actor=actor, code="residence-permit-renewal")


def test_fsm_refuses_transitions_not_declared(loaded: Any) -> None:
    version = selectors.service_version("residence-permit-renewal", 1)
    version.retire()
    with pytest.raises(TransitionNotAllowed):
        version.publish()
    with pytest.raises(AttributeError):
        version.state = VersionState.DRAFT  # the state field is protected


def test_stored_content_cannot_be_changed(loaded: Any) -> None:
    version = selectors.service_version("residence-permit-renewal", 1)
    version.definition = {**version.definition, "fee": {"amount": 0, "currency": "CNY"}}
    with pytest.raises(ImmutableVersionError, match="definition cannot change"):
        version.save()
    with pytest.raises(ImmutableVersionError, match="content_hash cannot change"):
        version.save(update_fields=["content_hash"])
    stored = ServiceVersion.objects.get(pk=version.pk)
    assert stored.definition["fee"]["amount"] == 20


def test_unknown_code(loaded: Any, actor: Any) -> None:
    with pytest.raises(services.LifecycleError, match="no service or bundle with the code 'nope'"):
        services.publish_definition(actor=actor, code="nope")
    with pytest.raises(selectors.NotInCatalogue):
        selectors.service_version("residence-permit-renewal", 9)


def test_bundle_cannot_be_published_before_its_services(loaded: Any, actor: Any) -> None:
    services.publish_definition(actor=actor, code="business-registration")
    with pytest.raises(
        services.LifecycleError,
        match="not published: employer-social-insurance, outdoor-sign-permit",
    ):
        services.publish_definition(actor=actor, code="open-a-shop")


def test_service_in_a_published_bundle_cannot_be_retired(departments: Any, actor: Any) -> None:
    services.load_definitions([SERVICES], actor=actor, publish=True)
    with pytest.raises(services.LifecycleError, match="part of the published bundles open-a-shop"):
        services.retire_definition(actor=actor, code="outdoor-sign-permit")
    services.retire_definition(actor=actor, code="open-a-shop")
    services.retire_definition(actor=actor, code="outdoor-sign-permit")
    assert selectors.published_service("outdoor-sign-permit") is None


def test_publishing_a_service_that_breaks_a_published_bundle_is_refused(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    services.load_definitions([SERVICES], actor=actor, publish=True)
    data = fixture_data("outdoor-sign-permit.yaml")
    data["form"]["properties"]["business_name"]["type"] = "integer"
    del data["form"]["properties"]["business_name"]["minLength"]
    del data["form"]["properties"]["business_name"]["maxLength"]
    services.load_definitions([write("outdoor-sign-permit.yaml", data)], actor=actor)

    with pytest.raises(
        services.LifecycleError, match="would break the published bundle 'open-a-shop'"
    ):
        services.publish_definition(actor=actor, code="outdoor-sign-permit")
    still = selectors.published_service("outdoor-sign-permit")
    assert still is not None and still.number == 1


def test_load_with_publish_is_all_or_nothing_when_publishing_fails(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    services.load_definitions([SERVICES], actor=actor, publish=True)
    data = fixture_data("outdoor-sign-permit.yaml")
    data["form"]["properties"]["business_name"]["type"] = "integer"
    del data["form"]["properties"]["business_name"]["minLength"]
    del data["form"]["properties"]["business_name"]["maxLength"]
    changed = fixture_data("residence-permit-renewal.yaml")
    changed["fee"]["amount"] = 10
    before = ServiceVersion.objects.count()
    with pytest.raises(services.LifecycleError):
        services.load_definitions(
            [write("a.yaml", changed), write("outdoor-sign-permit.yaml", data)],
            actor=actor,
            publish=True,
        )
    assert ServiceVersion.objects.count() == before


# --- Who may change what ----------------------------------------------------------------------


def test_department_admin_loads_own_department_only(
    departments: Any, fixture_data: Any, write: Any
) -> None:
    security = next(d for d in departments if d.code == "public_security")
    admin = StaffFactory(
        username="admin.security",
        membership__role=Role.DEPARTMENT_ADMIN,
        membership__department=security,
    )

    report = services.load_definitions([RESIDENCE], actor=admin)
    assert report.outcomes[0].action == "created"
    version = selectors.service_version("residence-permit-renewal", 1)
    assert version.created_by == admin and version.created_by_label == "admin.security"

    with pytest.raises(LoadError) as info:
        services.load_definitions([SERVICES / "outdoor-sign-permit.yaml"], actor=admin)
    assert "is not an admin of the department 'urban_management'" in info.value.problems[0].reason

    bundle_run = [SERVICES / "open-a-shop.yaml"]
    with pytest.raises(LoadError) as info:
        services.load_definitions(bundle_run, actor=admin)
    assert any("may not change bundles" in p.reason for p in info.value.problems)


def test_reviewer_may_not_publish(loaded: Any) -> None:
    reviewer = StaffFactory(username="reviewer", membership__role=Role.REVIEWER)
    MembershipFactory(account=reviewer, role=Role.APPROVER)
    with pytest.raises(PermissionDenied):
        services.publish_definition(actor=reviewer, code="residence-permit-renewal")
    assert selectors.published_service("residence-permit-renewal") is None


def test_platform_admin_may_change_bundles(loaded: Any) -> None:
    admin = StaffFactory(username="platform", membership__role=Role.PLATFORM_ADMIN)
    for code in ("business-registration", "employer-social-insurance", "outdoor-sign-permit"):
        services.publish_definition(actor=admin, code=code)
    bundle = services.publish_definition(actor=admin, code="open-a-shop")
    assert bundle.state == VersionState.PUBLISHED


def test_selector_lists_published_only(loaded: Any, actor: Any) -> None:
    services.publish_definition(actor=actor, code="residence-permit-renewal")
    codes = [v.service.code for v in selectors.published_services()]
    assert codes == ["residence-permit-renewal"]
    assert list(selectors.published_services(department_code="urban_management")) == []
    assert [v.number for v in selectors.versions_of("residence-permit-renewal")] == [1]
    overview = {row["code"]: row for row in selectors.definitions_overview()}
    assert overview["residence-permit-renewal"]["published"] == 1
    assert overview["open-a-shop"]["kind"] == "bundle"
    assert overview["open-a-shop"]["latest_state"] == "draft"
