"""Django's own form messages read correctly in Chinese.

Django's zh_Hans catalogue says some of them wrongly ("不允许是用空字符串。" — "using an empty
string is not allowed", with a typo — for a NUL character) or stiffly ("确保该变量…", "ensure
this variable…"). Our catalogue is read first, so its entries replace them everywhere: in the
portal's and back office's forms as in the admin.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yiwang.identity.constants import Role
from yiwang.identity.forms import PortalLoginForm
from yiwang.identity.tests.factories import DepartmentFactory, PersonFactory, StaffFactory


class Sample(forms.Form):
    short = forms.CharField(max_length=3)
    long = forms.CharField(min_length=5)
    email = forms.EmailField()
    day = forms.DateField()
    choice = forms.ChoiceField(choices=[("a", "A")])
    small = forms.IntegerField(max_value=5)
    big = forms.IntegerField(min_value=2)
    number = forms.IntegerField()


def _errors(data: dict[str, Any]) -> dict[str, list[str]]:
    with translation.override("zh-hans"):
        form = Sample(data)
        form.is_valid()
        return {name: list(errors) for name, errors in form.errors.items()}


def test_a_nul_character_is_named_correctly_in_chinese() -> None:
    with translation.override("zh-hans"):
        form = PortalLoginForm(data={"username": "li\x00hua", "password": "x"})
        form.is_valid()
        said = list(form.errors["username"])

    assert said == ["不能包含空字符（NUL）。请重新输入这一项。"]


def test_django_form_messages_read_plainly_in_chinese() -> None:
    errors = _errors(
        {
            "short": "abcd",
            "long": "ab",
            "email": "not-an-address",
            "day": "2026-02-30",
            "choice": "b",
            "small": "9",
            "big": "1",
            "number": "many",
        }
    )

    assert errors == {
        "short": ["最多 3 个字符，现在有 4 个。"],
        "long": ["至少需要 5 个字符，现在只有 2 个。"],
        "email": ["请输入有效的电子邮件地址。"],
        "day": ["请输入有效的日期。"],
        "choice": ["请从可选项中选择：b 不在其中。"],
        "small": ["请输入不大于 5 的值。"],
        "big": ["请输入不小于 2 的值。"],
        "number": ["请输入整数。"],
    }
    assert _errors({})["short"] == ["此项为必填项。"]


def test_english_keeps_djangos_own_words() -> None:
    with translation.override("en"):
        form = Sample({"short": "abcd\x00"})
        form.is_valid()
        said = list(form.errors["short"])

    assert said == [
        "Ensure this value has at most 3 characters (it has 5).",
        "Null characters are not allowed.",
    ]


@pytest.mark.django_db
def test_the_admin_says_length_limits_plainly_in_chinese(client: Client) -> None:
    client.force_login(
        StaffFactory(
            membership__department=DepartmentFactory(), membership__role=Role.PLATFORM_ADMIN
        )
    )
    person = PersonFactory()
    url = reverse("admin:identity_person_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {k: getattr(v, "pk", v) for k, v in form.initial.items() if v is not None}
    data.update(phone="1" * 40, _save="1")

    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-Hans")

    assert response.context["adminform"].form.errors["phone"] == ["最多 32 个字符，现在有 40 个。"]
    assert "变量" not in response.content.decode()
