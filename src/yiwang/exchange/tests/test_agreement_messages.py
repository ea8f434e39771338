"""What is wrong with an agreement's terms or a connector's options reads in the reader's
language: the official's in the API, the file writer's in the loader; the connector's own log
stays English."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from yiwang.exchange import services
from yiwang.exchange.connectors.config import ConfigInvalid, check_config, parse_config
from yiwang.exchange.models import SharingAgreement
from yiwang.exchange.tests.api_support import error, send, session
from yiwang.exchange.tests.conftest import World
from yiwang.exchange.tests.helpers import terms
from yiwang.exchange.tests.test_api_agreements import request_body

FIELDS = ("national_id", "person_name")


def problems_in(language: str, found: Any) -> dict[str, str]:
    with translation.override(language):
        return dict(found())


def problems_list(language: str, found: Any) -> list[tuple[str, str]]:
    with translation.override(language):
        return list(found())


def test_the_terms_problems_read_in_the_active_language(loaded: World) -> None:
    bad = terms(registry="nowhere", purposes=("benefit_assessment", "gossip"), roles=("wizard",))

    chinese = problems_in("zh-hans", lambda: services.check_terms(bad))
    english = problems_in("en", lambda: services.check_terms(bad))

    assert chinese["registry"] == "没有代码为 'nowhere' 的基础库"
    assert english["registry"] == "no registry with the code 'nowhere'"
    assert chinese["purposes[1]"] == "未知的用途 'gossip'"
    assert english["purposes[1]"] == "unknown purpose 'gossip'"
    assert chinese["conditions.roles[0]"].startswith("未知的角色 'wizard'；请使用以下之一：")
    assert english["conditions.roles[0]"].startswith("unknown role 'wizard'; use one of ")
    assert set(chinese) == set(english)


def connector(**overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "type": "http",
        "base_url": "https://population.example.org/api/",
        "record_path": "persons/{subject}",
        "fields": {"national_id": "id", "person_name": "name.full"},
    }
    options.update(overrides)
    return options


def test_the_connector_options_problems_read_in_the_active_language() -> None:
    options = connector(
        base_url="http://population.example.org/api/",
        record_path="persons/{id}",
        fields={"national_id": "id", "shoe_size": "shoes..left"},
    )

    def found() -> list[tuple[str, str]]:
        return check_config(
            options, fields=FIELDS, subject_field="national_id", record_key="national_id"
        )

    chinese = problems_in("zh-hans", found)
    english = problems_in("en", found)

    assert chinese["base_url"].startswith("必须使用 https：普通 http 仅允许用于 ")
    assert english["base_url"].startswith("must use https: plain http is allowed only for ")
    assert chinese["record_path"] == "必须恰好包含一次 {subject}，用于放置主体的标识"
    assert chinese["fields"] == "基础库的每个字段都需要对应到响应中的位置；缺少：person_name"
    assert english["fields"] == (
        "every registry field needs a place in the response; missing: person_name"
    )
    # One key, two problems: not a registry field, and a path with an empty part.
    assert (
        "fields.shoe_size",
        "'shoes..left' 中有空的部分；请用单个点分隔各个键",
    ) in problems_list("zh-hans", found)
    assert (
        "fields.shoe_size",
        "the registry has no field 'shoe_size'; its fields: national_id, person_name",
    ) in problems_list("en", found)


def test_the_connectors_own_errors_stay_english_for_the_log() -> None:
    with translation.override("zh-hans"), pytest.raises(ConfigInvalid) as caught:
        parse_config(connector(record_path="persons"))

    assert str(caught.value) == (
        "connector.record_path must contain {subject} exactly once, where the subject's "
        "identifier goes"
    )
    # ... and the active language is the reader's again afterwards.
    with translation.override("zh-hans"):
        parse_config(connector())
        assert translation.get_language() == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "registry", "url"),
    [
        (
            "zh-hans",
            "没有代码为 'nowhere' 的基础库",
            "不是 http(s) 地址：'ftp://law.example.org/3'；请填写形如 https://… 的地址",
        ),
        (
            "en",
            "no registry with the code 'nowhere'",
            "not an http(s) address: 'ftp://law.example.org/3'; write one like https://…",
        ),
    ],
)
def test_the_api_names_problems_in_the_requests_language(
    loaded: World, language: str, registry: str, url: str
) -> None:
    legal_basis = {
        "zh": "《示例税法》第三条",
        "en": "Example Tax Act",
        "url": "ftp://law.example.org/3",
    }
    body = request_body(registry="nowhere", legal_basis=legal_basis)

    response = send(
        session(loaded.tax_officer),
        "post",
        "/exchange/agreements",
        body,
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 422, response.content
    fields = error(response)["fields"]
    assert fields["registry"] == [registry]
    assert fields["legal_basis.url"] == [url]
    assert not SharingAgreement.objects.filter(code="tax_people").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "代码为 'welfare_people_basic' 的协议已存在；请换一个代码"),
        (
            "en",
            "an agreement with the code 'welfare_people_basic' already exists; choose another code",
        ),
    ],
)
def test_a_code_already_taken_is_named_in_the_requests_language(
    loaded: World, language: str, expected: str
) -> None:
    response = send(
        session(loaded.tax_officer),
        "post",
        "/exchange/agreements",
        request_body(code="welfare_people_basic"),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 422
    assert error(response)["fields"]["code"] == [expected]
