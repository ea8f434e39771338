from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent, Checkpoint
from yiwang.audit.selectors import events_for_auditor
from yiwang.audit.services import record_event
from yiwang.core.errors import PermissionDenied
from yiwang.identity.models import Account, Department, Membership, Region


@pytest.fixture
def department(db: Any) -> Department:
    region = Region.objects.create(code="R1", level="district", name_zh="一区", name_en="D1")
    return Department.objects.create(code="data", region=region, name_zh="数据局", name_en="Data")


def member(department: Department, username: str, role: str) -> Account:
    account = Account.objects.create_user(username, kind="staff")
    Membership.objects.create(account=account, department=department, role=role)
    return account


def test_auditor_reads_events_filtered_newest_first(department: Department) -> None:
    auditor = member(department, "auditor", "auditor")
    first = record_event(
        actor=SYSTEM, action="exchange.read", subjects=["person:11010519491231002X"]
    )
    record_event(actor=SYSTEM, action="exchange.read", subjects=["person:110105194912310021"])
    last = record_event(
        actor=SYSTEM, action="exchange.read", subjects=["person:11010519491231002X"]
    )
    found = events_for_auditor(actor=auditor, subject="person:11010519491231002X")
    assert [e.pk for e in found] == [last.pk, first.pk]
    assert events_for_auditor(actor=auditor, action="nothing.here") == []


@pytest.mark.parametrize("role", ["reviewer", "department_admin", None])
def test_everyone_else_is_refused(department: Department, role: str | None) -> None:
    if role is None:
        actor: Any = Account.objects.create_user("citizen", kind="citizen")
    else:
        actor = member(department, role, role)
    with pytest.raises(PermissionDenied):
        events_for_auditor(actor=actor)


def test_platform_admin_may_read(department: Department) -> None:
    admin = member(department, "root", "platform_admin")
    record_event(actor=SYSTEM, action="test.done")
    assert len(events_for_auditor(actor=admin)) == 1


@pytest.mark.parametrize("role", ["auditor", "platform_admin"])
def test_a_closed_departments_roles_no_longer_open_the_log(
    department: Department, role: str
) -> None:
    from yiwang.audit.selectors import auditors

    holder = member(department, "holder", role)
    department.is_active = False
    department.save(update_fields=["is_active"])
    holder.refresh_from_db()
    assert not holder.is_platform_admin and not holder.is_staff
    assert holder not in auditors()
    with pytest.raises(PermissionDenied):
        events_for_auditor(actor=holder)


def test_admin_is_read_only(db: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = Account.objects.create_superuser("boss", kind="staff")
    for model in (AuditEvent, Checkpoint):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
