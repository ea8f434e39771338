"""The admin speaks the reader's language: every app, model, column and field it shows has a
Chinese name, the pages of other packages included."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation

from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _names(model: type[Any], model_admin: admin.ModelAdmin[Any]) -> dict[str, str]:
    """What the admin calls the app, the model, its columns and its form fields, as shown."""
    names = {
        "app": str(model._meta.app_config.verbose_name),
        "model": str(model._meta.verbose_name),
        "models": str(model._meta.verbose_name_plural),
    }
    for column in model_admin.list_display:
        if column != "__str__":
            names[f"column {column}"] = str(label_for_field(column, model, model_admin))
    for field in model._meta.get_fields():
        if field.concrete and field.editable and not field.auto_created:
            names[f"field {field.name}"] = str(field.verbose_name)
    return names


def test_every_name_the_admin_shows_is_translated() -> None:
    untranslated = []
    for model, model_admin in admin.site._registry.items():
        with translation.override("en"):
            english = _names(model, model_admin)
        with translation.override("zh-hans"):
            chinese = _names(model, model_admin)
        untranslated += [
            f"{model._meta.label} {what}: {english[what]!r}"
            for what in english
            if chinese[what] == english[what] and any(c.isalpha() for c in english[what])
        ]
    assert not untranslated, "\n".join(untranslated)


def test_admin_index_in_chinese_has_no_english_headings(client: Any) -> None:
    platform = StaffFactory(
        membership__department=DepartmentFactory(), membership__role=Role.PLATFORM_ADMIN
    )
    client.force_login(platform)
    with translation.override("zh-hans"):
        page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    text = page.content.decode()
    assert page.status_code == 200
    # Django's own admin templates: strings its zh-Hans catalogue lacks, supplied by ours.
    for english in ("Model name", "Add link", "Change or view list link"):
        assert english not in text
    assert "后台任务" in text and "行政区划" in text
