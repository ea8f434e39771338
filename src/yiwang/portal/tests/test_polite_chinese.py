"""The site speaks to people as 您, including in the password rules that come from Django."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.test import Client
from django.utils import translation

from yiwang.core.testing.html import parse
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_the_password_rules_say_nin_not_ni() -> None:
    with translation.override("zh-hans"):
        rules = [str(rule) for rule in password_validators_help_texts()]

    assert len(rules) == 4
    assert all("您" in rule and "你" not in rule for rule in rules), rules
    assert "您的密码必须包含至少 10 个字符。" in rules


def test_the_set_password_page_says_nin_not_ni() -> None:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(CitizenFactory(username="citizen.he"))

    response = client.get("/my/password/")

    assert response.status_code == 200
    main = parse(response.content).one("main").text
    assert "您的密码不能全是数字。" in main
    assert "你" not in main
