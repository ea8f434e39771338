"""Querysets compiled once and run again with other values."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from yiwang.core.db.compiled import CompiledQuery
from yiwang.identity.models import Account
from yiwang.identity.tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_each_run_finds_the_row_of_its_value_with_its_related_objects() -> None:
    first, second = CitizenFactory(), CitizenFactory()
    query = CompiledQuery(lambda pk: Account.objects.select_related("person").filter(pk=pk))

    found = [query.all(first.pk)[0], query.all(second.pk)[0]]

    assert [a.pk for a in found] == [first.pk, second.pk]
    assert [a.username for a in found] == [first.username, second.username]
    with CaptureQueriesContext(transaction.get_connection()) as ctx:
        names = [a.person.name for a in found]  # came with the account: no query
    assert names == [first.person.name, second.person.name] and not ctx.captured_queries
    assert query.all(second.pk + 1000) == []


def test_a_staff_account_without_a_person_reads_as_none() -> None:
    staff = StaffFactory()
    query = CompiledQuery(lambda pk: Account.objects.select_related("person").filter(pk=pk))

    (found,) = query.all(staff.pk)

    assert found.pk == staff.pk and getattr(found, "person", None) is None


def test_deferred_fields_stay_deferred() -> None:
    citizen = CitizenFactory()
    query = CompiledQuery(lambda pk: Account.objects.defer("password").filter(pk=pk))

    (found,) = query.all(citizen.pk)

    assert found.get_deferred_fields() == {"password"}
    assert found.password == citizen.password  # read on demand, as Django does


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_refused_like_django_does() -> None:
    citizen = CitizenFactory()
    query = CompiledQuery(lambda pk: Account.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert query.all(citizen.pk)[0].pk == citizen.pk

    with pytest.raises(TransactionManagementError):
        query.all(citizen.pk)


def test_a_queryset_that_ignores_the_value_is_refused() -> None:
    query = CompiledQuery(lambda pk: Account.objects.filter(username="someone"))

    with pytest.raises(ValueError, match="does not use the value"):
        query.all(1)
