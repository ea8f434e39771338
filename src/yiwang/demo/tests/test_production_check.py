"""A production site on a database that holds the demo's logins is an error of yiwang check."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.demo import checks, loader
from yiwang.identity.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def demo_username() -> str:
    return loader.logins(loader.read_world())[0].username


def test_an_active_demo_login_in_production_is_an_error(settings: Any) -> None:
    StaffFactory(username=demo_username())
    settings.PRODUCTION = True

    found = checks.check_no_demo_logins(databases=["default"])

    assert [m.id for m in found] == ["yiwang.E050"]
    assert demo_username() in found[0].msg and found[0].is_serious()


def test_a_deactivated_demo_login_or_a_development_site_passes(settings: Any) -> None:
    account = StaffFactory(username=demo_username())
    assert checks.check_no_demo_logins(databases=["default"]) == []  # not production
    settings.PRODUCTION = True
    account.is_active = False
    account.save(update_fields=["is_active"])
    assert checks.check_no_demo_logins(databases=["default"]) == []
