"""What people are told about a citizen ID number or credit code, in their language.

The identifier checks say two things: a short English clause for operators' reports (the demo
loader's "people.yaml: people[1].national_id: '…' is not valid: <clause>"), and a whole
sentence for the person who typed the number, in the page's language. The admin, the services
behind the portal and the models show the sentence; nothing is silently changed or dropped.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yiwang.audit.actors import system_actor
from yiwang.identity import domain, services
from yiwang.identity.constants import IdKind, Role
from yiwang.identity.models import Firm, Person
from yiwang.identity.tests.factories import (
    DepartmentFactory,
    FirmFactory,
    PersonFactory,
    StaffFactory,
)

CJK = re.compile(r"[\u4e00-\u9fff]")

BAD_NATIONAL_IDS = [
    ("11010519491231002", "length"),
    ("11010519491231002x", "lowercase"),
    ("１１０１０５１９４９１２３１００２Ｘ", "full_width"),
    ("1101051949123A002X", "digits"),
    ("11010519491231002Y", "check_char"),
    ("110105194913310029", "birth_date"),
    ("110105189912310023", "birth_date_too_early"),
    ("110105209901010012", "birth_date_future"),
    ("110105194912310021", "checksum"),
]
BAD_USCCS = [
    ("91350100M000100Y4", "length"),
    ("91350100m000100y43", "lowercase"),
    ("９１３５０１００Ｍ０００１００Ｙ４３", "full_width"),
    ("91350100M000100I43", "alphabet"),
    ("91AB0100M000100Y43", "region"),
    ("91350100M000100Y44", "checksum"),
]


def _error(check: Any, value: str) -> domain.IdentifierError:
    with pytest.raises(domain.IdentifierError) as info:
        check(value)
    return info.value


@pytest.mark.parametrize(
    ("check", "value", "code"),
    [(domain.check_national_id, v, c) for v, c in BAD_NATIONAL_IDS]
    + [(domain.check_uscc, v, c) for v, c in BAD_USCCS],
)
def test_every_identifier_error_is_a_sentence_in_both_languages(
    check: Any, value: str, code: str
) -> None:
    error = _error(check, value)
    with translation.override("en"):
        english = error.message
    with translation.override("zh-hans"):
        chinese = error.message

    assert error.code == code
    assert english[0].isupper() and english.endswith("."), english
    assert english != str(error)
    assert CJK.search(chinese) and not re.search(r"[a-z]{3,}", chinese), chinese


def test_the_sentence_keeps_what_the_clause_said() -> None:
    short = _error(domain.check_national_id, "110101")
    future = _error(domain.check_national_id, "110105209901010012")
    letters = _error(domain.check_uscc, "91350100M000100I4O")

    with translation.override("zh-hans"):
        assert "6 位" in short.message
        assert "2099-01-01" in future.message
        assert "I O" in letters.message
    with translation.override("en"):
        assert "this one has 6" in short.message


def test_operators_reports_keep_the_english_clause() -> None:
    # The demo loader puts this after "'…' is not valid: ", whatever the language.
    with translation.override("zh-hans"):
        error = _error(domain.check_national_id, "110105194912310021")
    assert str(error) == "the check digit does not match; please re-check the number"


# --- The admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db: Any, client: Client) -> Client:
    platform = StaffFactory(
        membership__department=DepartmentFactory(), membership__role=Role.PLATFORM_ADMIN
    )
    client.force_login(platform)
    return client


def _post_change(
    client: Client, obj: Any, language: str = "zh-Hans", **changes: Any
) -> tuple[Any, Any]:
    """Post the admin change form of ``obj`` as it stands, with ``changes``."""
    name = obj._meta.model_name
    url = reverse(f"admin:identity_{name}_change", args=[obj.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE=language).context["adminform"].form
    data = {
        key: getattr(value, "pk", value)
        for key, value in form.initial.items()
        if value is not None and key in form.fields
    }
    data.update(changes, _save="1")
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else {}
    return response, errors


def test_a_wrong_citizen_id_on_a_chinese_admin_page_is_explained_in_chinese(
    admin_client: Client,
) -> None:
    person = PersonFactory()
    before = person.national_id

    short, short_errors = _post_change(admin_client, person, national_id="110101")
    wrong, wrong_errors = _post_change(admin_client, person, national_id="110105194912310021")

    assert short.status_code == wrong.status_code == 200
    assert short_errors["national_id"] == [
        "公民身份号码为 18 位，当前为 6 位。请您检查是否漏输或多输。"
    ]
    assert wrong_errors["national_id"] == [
        "公民身份号码的最后一位（校验码）与前 17 位不符，请您核对号码。"
    ]
    assert "must be 18 characters" not in short.content.decode()
    person.refresh_from_db()
    assert person.national_id == before


def test_a_wrong_citizen_id_on_an_english_admin_page_is_a_sentence(admin_client: Client) -> None:
    _response, errors = _post_change(
        admin_client, PersonFactory(), language="en", national_id="110101"
    )

    assert errors["national_id"] == [
        "A citizen ID number has 18 characters; this one has 6. "
        "Check for a missing or extra character."
    ]


def test_a_wrong_credit_code_on_a_chinese_admin_page_is_explained_in_chinese(
    admin_client: Client,
) -> None:
    _response, errors = _post_change(admin_client, FirmFactory(), uscc="91350100M000100Y44")

    assert errors["uscc"] == ["统一社会信用代码的最后一位（校验码）与前 17 位不符，请您核对代码。"]


@pytest.mark.parametrize("typed", ["😀", "11010519491231002X"])
def test_a_citizen_id_typed_for_a_passport_holder_is_refused_not_dropped(
    admin_client: Client, typed: str
) -> None:
    person = PersonFactory(
        id_kind=IdKind.PASSPORT, national_id=None, passport_number="E1234567", nationality="USA"
    )

    response, errors = _post_change(admin_client, person, national_id=typed)

    assert response.status_code == 200  # the form again, not "changed successfully"
    assert errors["national_id"] == [
        "以护照登记的人员在此不填写公民身份号码：请将此项留空，"
        "或将“身份证件类型”改为“公民身份号码”。"
    ]
    person.refresh_from_db()
    assert person.national_id is None


def test_a_passport_holders_other_details_still_save(admin_client: Client) -> None:
    person = PersonFactory(
        id_kind=IdKind.PASSPORT, national_id=None, passport_number="E1234567", nationality="USA"
    )

    response, _errors = _post_change(admin_client, person, national_id="", phone="13912345678")

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.national_id) == ("13912345678", None)


def test_a_passport_holder_can_become_a_citizen_with_a_valid_number(
    admin_client: Client,
) -> None:
    person = PersonFactory(
        id_kind=IdKind.PASSPORT, national_id=None, passport_number="E1234567", nationality="USA"
    )

    response, _errors = _post_change(
        admin_client, person, id_kind=IdKind.NATIONAL_ID, national_id="11010519491231002X"
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.national_id == "11010519491231002X"


# --- Services and models -----------------------------------------------------------------------


@pytest.mark.django_db
def test_registering_with_a_wrong_citizen_id_is_refused_in_the_readers_language() -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.register_citizen(
            actor=system_actor("tests"),
            username="wang.wu",
            password="plum-blossom-river-42",
            name="王五",
            national_id="110105 19491231 0021",
        )

    (message,) = refused.value.message_dict["national_id"]
    assert message == "公民身份号码的最后一位（校验码）与前 17 位不符，请您核对号码。"
    assert refused.value.error_dict["national_id"][0].code == "checksum"


@pytest.mark.django_db
def test_creating_a_firm_with_a_wrong_code_is_refused_in_the_readers_language() -> None:
    platform = StaffFactory(
        membership__department=DepartmentFactory(), membership__role=Role.PLATFORM_ADMIN
    )

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.create_firm(actor=platform, uscc="91350100M000100I43", name="Demo")

    (message,) = refused.value.message_dict["uscc"]
    assert message.startswith("The unified social credit code contains characters")
    assert "I" in message and not Firm.objects.filter(name="Demo").exists()


def test_a_passport_holder_with_a_citizen_id_does_not_validate() -> None:
    person = Person(
        id_kind=IdKind.PASSPORT,
        national_id="11010519491231002X",
        passport_number="E1234567",
        nationality="USA",
        name="Bob",
    )

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        person.clean()

    assert refused.value.error_dict["national_id"][0].code == "passport_holder"
