"""The admin is scoped by role: department admins see and change only their own department."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.errors import PermissionDenied
from yiwang.identity import services
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Account, Membership
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    FirmFactory,
    MembershipFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    market = DepartmentFactory(code="market", name_en="Market Regulation")
    health = DepartmentFactory(code="health", name_en="Health")
    market_admin = StaffFactory(
        username="market.admin",
        membership__department=market,
        membership__role=Role.DEPARTMENT_ADMIN,
    )
    market_clerk = StaffFactory(username="market.clerk", membership__department=market)
    health_clerk = StaffFactory(username="health.clerk", membership__department=health)
    platform = StaffFactory(
        username="platform.admin",
        membership__department=health,
        membership__role=Role.PLATFORM_ADMIN,
    )
    citizen = CitizenFactory(username="citizen.zhao")
    return {
        "market": market,
        "health": health,
        "market_admin": market_admin,
        "market_clerk": market_clerk,
        "health_clerk": health_clerk,
        "platform": platform,
        "citizen": citizen,
    }


def changelist(client, model):
    return client.get(reverse(f"admin:identity_{model}_changelist"))


def listed(response):
    return {str(obj.pk) for obj in response.context["cl"].result_list}


def test_department_admin_sees_only_their_department(client, world):
    client.force_login(world["market_admin"])
    response = changelist(client, "department")
    assert response.status_code == 200
    assert listed(response) == {str(world["market"].pk)}
    other = reverse("admin:identity_department_change", args=[world["health"].pk])
    assert client.get(other).status_code == 404
    own = reverse("admin:identity_department_change", args=[world["market"].pk])
    assert client.get(own).status_code == 200


def test_department_admin_sees_only_their_memberships(client, world):
    client.force_login(world["market_admin"])
    response = changelist(client, "membership")
    expected = set(
        Membership.objects.filter(department=world["market"]).values_list("pk", flat=True)
    )
    assert listed(response) == {str(pk) for pk in expected}
    health_membership = Membership.objects.get(account=world["health_clerk"])
    url = reverse("admin:identity_membership_change", args=[health_membership.pk])
    assert client.get(url).status_code == 404


def test_department_admin_sees_only_their_staff_accounts(client, world):
    client.force_login(world["market_admin"])
    response = changelist(client, "account")
    assert listed(response) == {str(world["market_admin"].pk), str(world["market_clerk"].pk)}
    for outsider in ("health_clerk", "platform", "citizen"):
        url = reverse("admin:identity_account_change", args=[world[outsider].pk])
        assert client.get(url).status_code == 404, outsider


def test_department_admin_never_sees_people_or_firms(client, world):
    client.force_login(world["market_admin"])
    assert changelist(client, "person").status_code == 403
    assert changelist(client, "firm").status_code == 403
    assert changelist(client, "region").status_code == 403
    url = reverse("admin:identity_person_change", args=[world["citizen"].person.pk])
    assert client.get(url).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:identity_person_changelist") not in index
    assert reverse("admin:identity_membership_changelist") in index


def test_department_admin_cannot_grant_platform_admin(client, world):
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_membership_add")
    form = client.get(url).context["adminform"].form
    assert Role.PLATFORM_ADMIN not in {value for value, _ in form.fields["role"].choices}
    response = client.post(
        url,
        {
            "account": world["market_clerk"].pk,
            "department": world["market"].pk,
            "role": Role.PLATFORM_ADMIN,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "role" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(
        role=Role.PLATFORM_ADMIN, account=world["market_clerk"]
    ).exists()
    with pytest.raises(PermissionDenied):
        services.grant_membership(
            actor=world["market_admin"],
            account=world["market_clerk"],
            department=world["market"],
            role=Role.PLATFORM_ADMIN,
        )


def test_department_admin_cannot_grant_in_another_department(client, world):
    client.force_login(world["market_admin"])
    response = client.post(
        reverse("admin:identity_membership_add"),
        {
            "account": world["market_clerk"].pk,
            "department": world["health"].pk,
            "role": Role.REVIEWER,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    with pytest.raises(PermissionDenied):
        services.grant_membership(
            actor=world["market_admin"],
            account=world["market_clerk"],
            department=world["health"],
            role=Role.REVIEWER,
        )


def test_department_admin_grants_a_role_in_their_department(client, world, events):
    client.force_login(world["market_admin"])
    response = client.post(
        reverse("admin:identity_membership_add"),
        {
            "account": world["market_clerk"].pk,
            "department": world["market"].pk,
            "role": Role.APPROVER,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(account=world["market_clerk"], role=Role.APPROVER).exists()
    created = events("identity.membership_created")
    assert len(created) == 1
    assert created[0].data["values"]["role"] == Role.APPROVER


OWN_ROLES_REFUSED = "You cannot give yourself a role or change your own roles"


def test_department_admin_cannot_give_themselves_a_role(client, world, events):
    client.force_login(world["market_admin"])
    response = client.post(
        reverse("admin:identity_membership_add"),
        {
            "account": world["market_admin"].pk,
            "department": world["market"].pk,
            "role": Role.DATA_OFFICER,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form comes back, saying why
    errors = response.context["adminform"].form.errors
    assert OWN_ROLES_REFUSED in str(errors["account"])
    assert OWN_ROLES_REFUSED in response.content.decode()
    assert set(world["market_admin"].memberships.values_list("role", flat=True)) == {
        Role.DEPARTMENT_ADMIN
    }
    assert events("identity.membership_created") == []


def test_department_admin_cannot_reactivate_or_change_their_own_membership(client, world):
    old = MembershipFactory(
        account=world["market_admin"],
        department=world["market"],
        role=Role.APPROVER,
        is_active=False,
    )
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_membership_change", args=[old.pk])
    page = client.get(url)
    assert page.status_code == 200  # shown, read-only, with the reason
    assert OWN_ROLES_REFUSED in page.content.decode()
    assert not page.context["has_change_permission"]
    response = client.post(
        url,
        {
            "account": world["market_admin"].pk,
            "department": world["market"].pk,
            "role": Role.APPROVER,
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    old.refresh_from_db()
    assert not old.is_active
    own = Membership.objects.get(account=world["market_admin"], role=Role.DEPARTMENT_ADMIN)
    delete = reverse("admin:identity_membership_delete", args=[own.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=own.pk).exists()


def test_department_admin_cannot_hand_a_membership_over_to_themselves(client, world):
    membership = Membership.objects.get(account=world["market_clerk"])
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_membership_change", args=[membership.pk])
    response = client.post(
        url,
        {
            "account": world["market_admin"].pk,
            "department": world["market"].pk,
            "role": Role.REVIEWER,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert OWN_ROLES_REFUSED in str(response.context["adminform"].form.errors["account"])
    membership.refresh_from_db()
    assert membership.account == world["market_clerk"]


def test_department_admin_cannot_grant_the_auditor_role(client, world):
    client.force_login(world["market_admin"])
    for url in (reverse("admin:identity_membership_add"), reverse("admin:identity_account_add")):
        form = client.get(url).context["adminform"].form
        offered = {value for value, _ in form.fields["role"].choices}
        assert Role.AUDITOR not in offered and Role.PLATFORM_ADMIN not in offered, url
        assert Role.APPROVER in offered
    response = client.post(
        reverse("admin:identity_membership_add"),
        {
            "account": world["market_clerk"].pk,
            "department": world["market"].pk,
            "role": Role.AUDITOR,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(role=Role.AUDITOR).exists()


def test_department_admin_neither_appoints_nor_manages_another_admin(client, world):
    colleague = StaffFactory(
        username="market.admin2",
        membership__department=world["market"],
        membership__role=Role.DEPARTMENT_ADMIN,
    )
    client.force_login(world["market_admin"])
    for url in (reverse("admin:identity_membership_add"), reverse("admin:identity_account_add")):
        form = client.get(url).context["adminform"].form
        assert Role.DEPARTMENT_ADMIN not in {value for value, _ in form.fields["role"].choices}
    response = client.post(
        reverse("admin:identity_membership_add"),
        {
            "account": world["market_clerk"].pk,
            "department": world["market"].pk,
            "role": Role.DEPARTMENT_ADMIN,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    # The colleague's password, details and memberships are the platform admins' to change.
    assert (
        client.get(reverse("admin:identity_account_password", args=[colleague.pk])).status_code
        == 403
    )
    membership = colleague.memberships.get()
    response = client.post(
        reverse("admin:identity_membership_change", args=[membership.pk]),
        {"account": colleague.pk, "department": world["market"].pk, "role": Role.DEPARTMENT_ADMIN},
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_active
    assert Membership.objects.filter(role=Role.DEPARTMENT_ADMIN).count() == 2


def test_platform_admin_grants_the_auditor_role_and_their_own_roles(client, world):
    client.force_login(world["platform"])
    form = client.get(reverse("admin:identity_membership_add")).context["adminform"].form
    assert Role.AUDITOR in {value for value, _ in form.fields["role"].choices}
    for account in ("market_clerk", "platform"):
        response = client.post(
            reverse("admin:identity_membership_add"),
            {
                "account": world[account].pk,
                "department": world["market"].pk,
                "role": Role.AUDITOR,
                "is_active": "on",
            },
        )
        assert response.status_code == 302, account
    assert set(
        Membership.objects.filter(role=Role.AUDITOR).values_list("account__username", flat=True)
    ) == {"market.clerk", "platform.admin"}


def test_department_admin_cannot_move_a_membership_out_of_reach(client, world):
    membership = Membership.objects.get(account=world["market_clerk"])
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_membership_change", args=[membership.pk])
    response = client.post(
        url,
        {
            "account": world["market_clerk"].pk,
            "department": world["health"].pk,
            "role": Role.REVIEWER,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.department == world["market"]


def test_department_admin_creates_a_staff_account_in_their_department(client, world, events):
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_account_add")
    response = client.post(
        url,
        {
            "username": "market.new",
            "display_name": "New Clerk",
            "email": "new@example.org",
            "password1": "quiet-valley-road-81",
            "password2": "quiet-valley-road-81",
            "department": world["market"].pk,
            "role": Role.REVIEWER,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = Account.objects.get(username="market.new")
    assert account.kind == AccountKind.STAFF
    assert account.check_password("quiet-valley-road-81")
    assert list(account.memberships.values_list("department__code", "role")) == [
        ("market", Role.REVIEWER)
    ]
    assert len(events("identity.staff_account_created")) == 1
    # The add form offers only their own department, and one is required.
    form = client.get(url).context["adminform"].form
    assert list(form.fields["department"].queryset) == [world["market"]]
    response = client.post(
        url,
        {
            "username": "market.other",
            "password1": "quiet-valley-road-81",
            "password2": "quiet-valley-road-81",
        },
    )
    assert response.status_code == 200
    assert not Account.objects.filter(username="market.other").exists()


def test_department_admin_changes_a_clerk_but_not_a_shared_account(client, world):
    clerk = world["market_clerk"]
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_account_change", args=[clerk.pk])
    response = client.post(
        url, {"display_name": "Renamed", "email": clerk.email, "is_active": "on"}
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.display_name == "Renamed"

    # A clerk who also works for Health answers to Health too: read-only for market's admin.
    MembershipFactory(account=clerk, department=world["health"])
    response = client.post(url, {"display_name": "Again", "email": clerk.email})
    assert response.status_code == 403
    clerk.refresh_from_db()
    assert clerk.display_name == "Renamed" and clerk.is_active


def test_department_admin_cannot_set_a_platform_admins_password(client, world):
    MembershipFactory(account=world["platform"], department=world["market"])
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_account_password", args=[world["platform"].pk])
    assert client.get(url).status_code == 403


def test_admin_password_page_sets_the_password_and_audits_it(client, world, events):
    clerk = world["market_clerk"]
    client.force_login(world["market_admin"])
    url = reverse("admin:identity_account_password", args=[clerk.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"password1": "amber-forest-lake-55", "password2": "amber-forest-lake-55"}
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("amber-forest-lake-55")
    assert [e.data["reason"] for e in events("identity.password_set")] == ["admin"]
    change_page = client.get(reverse("admin:identity_account_change", args=[clerk.pk]))
    assert "argon2" not in change_page.content.decode()


def test_admin_change_password_page_leads_to_the_back_office_page(client, world):
    client.force_login(world["market_admin"])
    for name in ("admin:password_change", "admin:password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("backoffice:password_change"), name
    # Posting to it changes nothing: only the back-office page, throttled and audited, does.
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": "anything",
            "new_password1": "amber-forest-lake-55",
            "new_password2": "amber-forest-lake-55",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:password_change")
    world["market_admin"].refresh_from_db()
    assert not world["market_admin"].check_password("amber-forest-lake-55")


def test_admin_change_password_page_is_still_closed_to_others(client, world):
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_platform_admin_sees_everything(client, world):
    FirmFactory()
    client.force_login(world["platform"])
    assert len(listed(changelist(client, "department"))) == 2
    assert str(world["citizen"].pk) in listed(changelist(client, "account"))
    assert changelist(client, "person").status_code == 200
    assert changelist(client, "firm").status_code == 200
    url = reverse("admin:identity_membership_add")
    form = client.get(url).context["adminform"].form
    assert Role.PLATFORM_ADMIN in {value for value, _ in form.fields["role"].choices}


def test_opening_a_person_in_the_admin_is_recorded(client, world, events):
    person = world["citizen"].person
    client.force_login(world["platform"])
    assert client.get(reverse("admin:identity_person_change", args=[person.pk])).status_code == 200
    viewed = events("identity.person_viewed")
    assert len(viewed) == 1


def test_platform_admin_edits_are_audited(client, world, events):
    client.force_login(world["platform"])
    url = reverse("admin:identity_department_change", args=[world["health"].pk])
    response = client.post(
        url,
        {
            "code": "health",
            "name_zh": "卫健委",
            "name_en": "Health",
            "region": world["health"].region.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    changed = events("identity.department_changed")
    assert len(changed) == 1
    assert changed[0].data["fields"] == ["name_zh"]


def test_clerk_without_admin_role_is_refused(client, world):
    client.force_login(world["market_clerk"])
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert client.get(reverse("admin:identity_account_changelist"), follow=True).status_code == 403


def test_citizen_cannot_reach_the_admin(client, world):
    client.force_login(world["citizen"])
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("backoffice:login"))
    assert response.status_code == 200
    assert "cl" not in (response.context or {})
    assert client.get(reverse("admin:identity_account_changelist")).status_code == 302


def test_admin_login_is_the_back_office_login(client, db):
    response = client.get(reverse("admin:login") + "?next=/admin/identity/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))
    assert "next=/admin/identity/" in response["Location"]


def test_department_admin_logs_in_at_the_back_office_and_reaches_the_admin(client, world, login):
    world["market_admin"].set_password("quiet-valley-road-81")
    world["market_admin"].save()
    response = client.post(
        reverse("backoffice:login") + "?next=/admin/",
        {"username": "market.admin", "password": "quiet-valley-road-81"},
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_no_admin_page_links_where_the_viewer_may_not_go(client, world):
    # A department admin's own account and department: nothing on either page leads to a page
    # they would be refused (their own password is changed in the back office; regions are
    # platform admins' business).
    admin_account = world["market_admin"]
    client.force_login(admin_account)
    own = client.get(reverse("admin:identity_account_change", args=[admin_account.pk]))
    assert own.status_code == 200
    page = own.content.decode()
    assert reverse("admin:identity_account_password", args=[admin_account.pk]) not in page
    assert reverse("backoffice:password_change") in page
    department = client.get(reverse("admin:identity_department_change", args=[world["market"].pk]))
    assert department.status_code == 200
    region = world["market"].region
    assert (
        reverse("admin:identity_region_change", args=[region.pk]) not in department.content.decode()
    )
    assert str(region) in department.content.decode()
    # Names may still be corrected, nothing else.
    form = department.context["adminform"].form
    assert set(form.fields) == {"name_zh", "name_en"}


def test_own_password_in_the_admin_is_the_back_office_page(client, world):
    for who in ("platform", "market_admin"):
        account = world[who]
        client.force_login(account)
        response = client.get(reverse("admin:identity_account_password", args=[account.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("backoffice:password_change")


def test_djangos_groups_are_not_offered(client, world):
    # Roles are memberships; a groups page would grant nothing and only mislead.
    client.force_login(world["platform"])
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/auth/group/" not in index
    assert client.get("/admin/auth/group/").status_code == 404


@pytest.mark.parametrize("who", ["market_admin", "platform"])
@pytest.mark.parametrize(
    "lookup", ["password__startswith=argon2", "password__regex=.", "password=x"]
)
def test_no_admin_list_can_be_filtered_by_a_password_hash(client, world, who, lookup):
    # Filtering from the address bar would read the hash out one character at a time.
    client.force_login(world[who])
    url = reverse("admin:identity_account_changelist")

    refused = client.get(f"{url}?username=market.clerk&{lookup}")
    allowed = client.get(f"{url}?is_active__exact=1")

    assert refused.status_code == 400
    assert allowed.status_code == 200
