"""The admin in headless Chromium: the pages platform admins work in pass axe-core, in both
languages (Django draws them; what falls short is mended in ``admin/base_site.html``)."""

from __future__ import annotations

import pytest

from yiwang.core.testing.browser import assert_accessible
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import DepartmentFactory, FirmFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "quarry-lantern-meadow-41"


@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_admin_pages_pass_axe(live_server, new_page, language: str, lang: str) -> None:
    department = DepartmentFactory()
    admin_account = StaffFactory(
        password=PASSWORD,
        membership__department=department,
        membership__role=Role.PLATFORM_ADMIN,
    )
    clerk = StaffFactory(membership__department=department)
    FirmFactory()
    page = new_page(language=language)
    page.goto(live_server.url + "/backoffice/login/")
    page.locator("#id_username").fill(admin_account.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    for path in (
        "/admin/",
        "/admin/identity/account/",
        f"/admin/identity/account/{clerk.pk}/change/",
        "/admin/identity/membership/add/",
        f"/admin/identity/department/{department.pk}/change/",
        "/admin/identity/firm/",
        "/admin/django_tasks_database/dbtaskresult/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        # Django writes the tag in lower case; language tags ignore case (BCP 47).
        assert (page.locator("html").get_attribute("lang") or "").lower() == lang.lower()
        assert_accessible(page)
