"""The admin's list search names itself in the reader's language, and still searches."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "word"), [("zh-hans", "搜索"), ("en", "Search")])
def test_the_search_box_is_named_in_the_readers_language(
    client: Any, language: str, word: str
) -> None:
    DepartmentFactory(code="findme", name_en="Findable Bureau")
    DepartmentFactory(code="other", name_en="Other Bureau")
    platform = StaffFactory(
        membership__department=DepartmentFactory(), membership__role=Role.PLATFORM_ADMIN
    )
    client.force_login(platform)
    client.cookies["django_language"] = language

    page = client.get(reverse("admin:identity_department_changelist"), {"q": "findme"})

    text = page.content.decode()
    assert page.status_code == 200
    assert f'alt="{word}"' in text and f'value="{word}"' in text
    assert "Findable Bureau" in text and "Other Bureau" not in text
