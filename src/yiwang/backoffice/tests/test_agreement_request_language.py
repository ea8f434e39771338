"""A data officer asking for data reads what the exchange finds wrong with the request in the
language of their session, beside the field it is about."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.backoffice.tests.test_exchange_pages import client_for, request_form
from yiwang.exchange import selectors as exchange
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    signing_key,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "signing_key", "world"]

NEW = "/backoffice/exchange/agreements/new/"
# The form lets ftp:// through (Django's URLField does); the exchange wants a web address.
FTP = "ftp://law.example.org/tax/3"


def post(client: Client, **overrides: Any) -> Any:
    response = client.post(NEW, request_form(**overrides))
    assert response.status_code == 200, response.status_code
    return response


@pytest.mark.parametrize(
    ("language", "url_problem", "code_problem"),
    [
        (
            "zh-hans",
            f"不是 http(s) 地址：'{FTP}'；请填写形如 https://… 的地址",
            "代码为 'welfare_people_basic' 的协议已存在；请换一个代码",
        ),
        (
            "en",
            f"not an http(s) address: '{FTP}'; write one like https://…",
            "an agreement with the code 'welfare_people_basic' already exists; choose another code",
        ),
    ],
)
def test_the_exchanges_problems_are_beside_their_fields_in_the_sessions_language(
    loaded: World, language: str, url_problem: str, code_problem: str
) -> None:
    client = client_for(loaded.tax_officer, language)

    bad_url = post(client, legal_basis_url=FTP)
    taken = post(client, code="welfare_people_basic")

    form = bad_url.context["form"]
    assert form.errors == {"legal_basis_url": [url_problem]}
    assert taken.context["form"].errors == {"code": [code_problem]}
    # Shown on the page: in the summary at the top, and in the field's own error message.
    page = bad_url.content.decode()
    shown = url_problem.replace("'", "&#x27;")
    assert page.count(shown) == 2
    beside = page.split(f'id="{form["legal_basis_url"].auto_id}-error"', 1)[1].split("</p>", 1)[0]
    assert shown in beside
    assert exchange.agreement_for(actor=loaded.tax_officer, code="tax_people") is None
