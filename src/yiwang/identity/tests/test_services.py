"""Identity writes check the actor and leave an audit trail; selectors answer per actor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors, services
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Account, Membership, Person
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    FirmFactory,
    FirmRepresentativeFactory,
    MembershipFactory,
    PersonFactory,
    StaffFactory,
    national_id_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin():
    return StaffFactory(membership__role=Role.PLATFORM_ADMIN)


def test_register_citizen_creates_account_and_person(platform_admin, events):
    account = services.register_citizen(
        actor=platform_admin,
        username="wangfang",
        password="autumn-moon-lake-12",
        name="王芳",
        national_id="11010519491231002x",
        email="wf@example.org",
    )
    assert account.kind == AccountKind.CITIZEN
    assert account.check_password("autumn-moon-lake-12")
    person = selectors.person_for(account)
    assert person is not None
    assert person.national_id == "11010519491231002X"
    assert person.birth_date == dt.date(1949, 12, 31)
    [event] = events("identity.citizen_registered")
    assert "autumn-moon-lake-12" not in str(event.data)


def test_register_citizen_links_a_known_person_and_refuses_a_second_account(platform_admin):
    known = PersonFactory(name="张伟")
    account = services.register_citizen(
        actor=platform_admin,
        username="zw",
        password=None,
        name="张伟",
        national_id=known.national_id,
    )
    known.refresh_from_db()
    assert known.account == account
    assert Person.objects.filter(national_id=known.national_id).count() == 1
    with pytest.raises(ValidationError):
        services.register_citizen(
            actor=platform_admin,
            username="zw2",
            password=None,
            name="张伟",
            national_id=known.national_id,
        )


def test_register_citizen_rejects_a_bad_id_and_a_taken_name(platform_admin):
    with pytest.raises(ValidationError) as info:
        services.register_citizen(
            actor=platform_admin,
            username="a1",
            password=None,
            name="A",
            national_id="110105194912310021",
        )
    assert "national_id" in info.value.message_dict
    CitizenFactory(username="taken")
    with pytest.raises(ValidationError) as info:
        services.register_citizen(
            actor=platform_admin,
            username="TAKEN",
            password=None,
            name="B",
            national_id=national_id_for(987654),
        )
    assert "username" in info.value.message_dict


def test_register_citizen_applies_password_rules(platform_admin):
    with pytest.raises(ValidationError):
        services.register_citizen(
            actor=platform_admin,
            username="weak",
            password="123",
            name="W",
            national_id=national_id_for(555),
        )


def test_grant_and_revoke_membership(platform_admin, events):
    dept = DepartmentFactory()
    clerk = StaffFactory(membership__department=dept)
    membership = services.grant_membership(
        actor=platform_admin, account=clerk, department=dept, role=Role.APPROVER
    )
    assert selectors.staff_roles(clerk, dept) == {Role.REVIEWER, Role.APPROVER}
    services.revoke_membership(actor=platform_admin, membership=membership)
    assert selectors.staff_roles(clerk, dept) == {Role.REVIEWER}
    # Granting again reactivates the same row.
    again = services.grant_membership(
        actor=platform_admin, account=clerk, department=dept, role=Role.APPROVER
    )
    assert again.pk == membership.pk and again.is_active
    assert len(events("identity.membership_granted")) == 2
    assert len(events("identity.membership_revoked")) == 1


def test_citizens_cannot_be_given_staff_roles(platform_admin):
    with pytest.raises(ValidationError):
        services.grant_membership(
            actor=platform_admin,
            account=CitizenFactory(),
            department=DepartmentFactory(),
            role=Role.REVIEWER,
        )


def test_clerk_cannot_grant_anything():
    dept = DepartmentFactory()
    clerk = StaffFactory(membership__department=dept)
    other = StaffFactory(membership__department=dept)
    with pytest.raises(PermissionDenied):
        services.grant_membership(actor=clerk, account=other, department=dept, role=Role.APPROVER)
    assert selectors.grantable_roles(clerk) == []


def test_department_admin_cannot_create_staff_outside_their_department():
    market, health = DepartmentFactory(), DepartmentFactory()
    admin = StaffFactory(membership__department=market, membership__role=Role.DEPARTMENT_ADMIN)
    with pytest.raises(PermissionDenied):
        services.create_staff_account(actor=admin, username="x1")
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=admin, username="x2", department=health, role=Role.REVIEWER
        )
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=admin, username="x3", department=market, role=Role.PLATFORM_ADMIN
        )
    made = services.create_staff_account(
        actor=admin, username="x4", department=market, role=Role.REVIEWER
    )
    assert selectors.staff_roles(made) == {Role.REVIEWER}


def test_department_admin_cannot_grant_change_or_revoke_their_own_roles():
    market = DepartmentFactory()
    admin = StaffFactory(membership__department=market, membership__role=Role.DEPARTMENT_ADMIN)
    for role in (Role.APPROVER, Role.DATA_OFFICER, Role.DEPARTMENT_ADMIN):
        with pytest.raises(PermissionDenied):
            services.grant_membership(actor=admin, account=admin, department=market, role=role)
    # A role they once had, switched off: re-activating it is a grant too.
    old = MembershipFactory(account=admin, department=market, role=Role.TEAM_LEAD, is_active=False)
    with pytest.raises(PermissionDenied):
        services.grant_membership(actor=admin, account=admin, department=market, role=old.role)
    own = admin.memberships.get(role=Role.DEPARTMENT_ADMIN)
    with pytest.raises(PermissionDenied):
        services.revoke_membership(actor=admin, membership=own)
    assert selectors.staff_roles(admin) == {Role.DEPARTMENT_ADMIN}
    # Nor may another admin of the same department: admins answer to the platform admins.
    colleague = StaffFactory(membership__department=market, membership__role=Role.DEPARTMENT_ADMIN)
    with pytest.raises(PermissionDenied):
        services.grant_membership(actor=colleague, account=admin, department=market, role=old.role)
    assert selectors.staff_roles(admin) == {Role.DEPARTMENT_ADMIN}


def test_department_admins_neither_appoint_nor_manage_each_other(platform_admin):
    market = DepartmentFactory()
    admin = StaffFactory(membership__department=market, membership__role=Role.DEPARTMENT_ADMIN)
    clerk = StaffFactory(membership__department=market)
    assert Role.DEPARTMENT_ADMIN not in selectors.grantable_roles(admin)
    # Were they able to, the new admin could grant them what they may not grant themselves.
    with pytest.raises(PermissionDenied):
        services.grant_membership(
            actor=admin, account=clerk, department=market, role=Role.DEPARTMENT_ADMIN
        )
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=admin, username="admin.new", department=market, role=Role.DEPARTMENT_ADMIN
        )
    assert selectors.staff_roles(clerk) == {Role.REVIEWER}
    assert not Account.objects.filter(username="admin.new").exists()
    # A colleague appointed by a platform admin: not theirs to manage either.
    colleague = StaffFactory(membership__department=market, membership__role=Role.DEPARTMENT_ADMIN)
    auditor = StaffFactory(membership__department=market, membership__role=Role.AUDITOR)
    for other in (colleague, auditor):
        assert selectors.answers_to_platform(other)
        assert not selectors.may_manage_account(admin, other)
        with pytest.raises(PermissionDenied):
            services.grant_membership(
                actor=admin, account=other, department=market, role=Role.APPROVER
            )
    with pytest.raises(PermissionDenied):
        services.revoke_membership(actor=admin, membership=colleague.memberships.get())
    # The ordinary staff stay theirs; platform admins manage everyone.
    assert selectors.may_manage_account(admin, clerk)
    services.grant_membership(actor=admin, account=clerk, department=market, role=Role.APPROVER)
    services.grant_membership(
        actor=platform_admin, account=clerk, department=market, role=Role.DEPARTMENT_ADMIN
    )
    services.grant_membership(
        actor=platform_admin, account=colleague, department=market, role=Role.APPROVER
    )
    assert selectors.staff_roles(clerk) == {Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN}
    assert not selectors.may_manage_account(admin, clerk)  # an admin now


def test_only_platform_admins_grant_the_auditor_role(platform_admin):
    market = DepartmentFactory()
    admin = StaffFactory(membership__department=market, membership__role=Role.DEPARTMENT_ADMIN)
    clerk = StaffFactory(membership__department=market)
    assert Role.AUDITOR not in selectors.grantable_roles(admin)
    with pytest.raises(PermissionDenied):
        services.grant_membership(actor=admin, account=clerk, department=market, role=Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=admin, username="auditor.new", department=market, role=Role.AUDITOR
        )
    assert not Account.objects.filter(username="auditor.new").exists()
    # Nor revoke it: an auditor answers to the platform, not to the department.
    granted = services.grant_membership(
        actor=platform_admin, account=clerk, department=market, role=Role.AUDITOR
    )
    with pytest.raises(PermissionDenied):
        services.revoke_membership(actor=admin, membership=granted)
    assert Role.AUDITOR in selectors.staff_roles(clerk)


def test_platform_admin_may_grant_their_own_roles(platform_admin):
    dept = DepartmentFactory()
    services.grant_membership(
        actor=platform_admin, account=platform_admin, department=dept, role=Role.AUDITOR
    )
    assert Role.AUDITOR in selectors.staff_roles(platform_admin, dept)


def test_only_superusers_make_superusers(platform_admin):
    with pytest.raises(PermissionDenied):
        services.create_staff_account(actor=platform_admin, username="root2", is_superuser=True)


def test_memberships_and_departments_of_a_clerk():
    dept, closed = DepartmentFactory(), DepartmentFactory(is_active=False)
    clerk = StaffFactory(membership__department=dept)
    Membership.objects.create(account=clerk, department=closed, role=Role.APPROVER)
    Membership.objects.create(account=clerk, department=dept, role=Role.AUDITOR, is_active=False)
    assert [m.role for m in selectors.memberships_of(clerk)] == [Role.REVIEWER]
    assert list(selectors.departments_for(clerk)) == [dept]
    assert selectors.staff_roles(CitizenFactory()) == frozenset()
    assert list(selectors.departments_for(CitizenFactory())) == []


def test_firm_representation_is_valid_only_within_its_dates(platform_admin):
    citizen = CitizenFactory()
    firm = FirmFactory()
    today = dt.date(2026, 6, 1)
    services.add_firm_representative(
        actor=platform_admin,
        firm=firm,
        person=citizen.person,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
    )
    assert selectors.can_act_for_firm(citizen, firm, on=today)
    assert list(selectors.firms_actor_may_act_for(citizen, on=today)) == [firm]
    assert not selectors.can_act_for_firm(citizen, firm, on=dt.date(2025, 12, 31))
    assert not selectors.can_act_for_firm(citizen, firm, on=dt.date(2027, 1, 1))
    # Staff never act for firms through the portal, and strangers never do.
    assert not selectors.can_act_for_firm(StaffFactory(), firm, on=today)
    assert not selectors.can_act_for_firm(CitizenFactory(), firm, on=today)


def test_firm_representation_without_end_date_uses_today(platform_admin):
    rep = FirmRepresentativeFactory(person=CitizenFactory().person)
    assert selectors.can_act_for_firm(rep.person.account, rep.firm)


def test_inactive_citizen_acts_for_no_firm():
    rep = FirmRepresentativeFactory(person=CitizenFactory().person)
    account = rep.person.account
    account.is_active = False
    account.save()
    assert not selectors.can_act_for_firm(account, rep.firm)


def test_representation_rejects_an_end_before_the_start(platform_admin):
    with pytest.raises(ValidationError):
        services.add_firm_representative(
            actor=platform_admin,
            firm=FirmFactory(),
            person=PersonFactory(),
            valid_from=dt.date(2026, 2, 1),
            valid_until=dt.date(2026, 1, 1),
        )


def test_only_platform_admins_add_representatives():
    clerk = StaffFactory(membership__role=Role.DEPARTMENT_ADMIN)
    with pytest.raises(PermissionDenied):
        services.add_firm_representative(actor=clerk, firm=FirmFactory(), person=PersonFactory())


def test_create_firm_normalises_and_checks_the_code(platform_admin):
    firm = services.create_firm(actor=platform_admin, uscc=" 91350100m000100y43", name="F")
    assert firm.uscc == "91350100M000100Y43"
    with pytest.raises(ValidationError):
        services.create_firm(actor=platform_admin, uscc="91350100M000100Y44", name="G")


def test_factories_make_valid_identifiers():
    from yiwang.identity import domain

    citizen = CitizenFactory()
    domain.check_national_id(citizen.person.national_id)
    domain.check_uscc(FirmFactory().uscc)
    staff = StaffFactory()
    assert staff.memberships.count() == 1 and staff.kind == AccountKind.STAFF


def test_the_platform_itself_may_set_up_the_world(events):
    from yiwang.audit.actors import SYSTEM, system_actor

    loader = system_actor("demo-loader")
    city = services.create_region(
        actor=loader, code="990100", name_zh="演示市", name_en="Demo City", level="city"
    )
    dept = services.create_department(
        actor=SYSTEM, code="data", name_zh="数据局", name_en="Data Bureau", region=city
    )
    admin = services.create_staff_account(
        actor=loader, username="root", password=None, department=dept, role=Role.PLATFORM_ADMIN
    )
    assert selectors.is_platform_admin(admin)
    assert [e.actor_id for e in events("identity.department_created")] == ["platform"]
    assert events("identity.region_created")[0].actor_type == "system"


def test_strangers_and_clerks_may_not_set_up_the_world():
    from yiwang.audit.actors import anonymous

    region = DepartmentFactory().region
    for actor in (anonymous(None), StaffFactory(), CitizenFactory()):
        with pytest.raises(PermissionDenied):
            services.create_department(
                actor=actor, code="x", name_zh="x", name_en="x", region=region
            )
        with pytest.raises(PermissionDenied):
            services.create_staff_account(actor=actor, username=f"u{id(actor)}")


def test_password_set_by_the_account_itself_or_its_manager_only():
    dept = DepartmentFactory()
    clerk = StaffFactory(membership__department=dept)
    other_clerk = StaffFactory(membership__department=dept)
    services.set_password(actor=clerk, account=clerk, password="gentle-rain-field-3", reason="self")
    clerk.refresh_from_db()
    assert clerk.check_password("gentle-rain-field-3")
    with pytest.raises(PermissionDenied):
        services.set_password(
            actor=other_clerk, account=clerk, password="x-y-z-long-pass-1", reason="admin"
        )
