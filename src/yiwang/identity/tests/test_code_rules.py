"""Codes, user names and phone numbers written through a form follow the rules the data files
follow: no spaces, symbols, markup or control characters, said beside the field in the reader's
language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.identity.models import DEPARTMENT_CODE, PHONE, REGION_CODE, Account
from yiwang.identity.tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "username",
    ["<script>alert(1)</script>", "padded value", "ab", "a\x1bb", "😀ok"],
)
def test_a_user_name_outside_the_rules_is_refused(username: str) -> None:
    account = Account(username=username, kind="staff")
    with pytest.raises(ValidationError) as caught:
        account.full_clean(exclude=["password"])
    assert "username" in caught.value.message_dict


@pytest.mark.parametrize("username", ["wang.fang", "li_wei-2", "clerk@amr", "A.B+c"])
def test_user_names_as_the_demo_writes_them_are_accepted(username: str) -> None:
    Account(username=username, kind="staff").full_clean(exclude=["password"])


def test_a_department_code_with_spaces_or_symbols_is_refused_in_the_readers_language() -> None:
    department = DepartmentFactory.build(region=DepartmentFactory().region, code="fire rescue 😀")
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as caught:
            department.full_clean()
        assert caught.value.message_dict["code"] == [
            "请使用 2 到 32 个小写字母、数字和 _，并以字母开头。"
        ]
    DEPARTMENT_CODE("fire_rescue")


def test_a_region_code_is_capitals_and_digits() -> None:
    REGION_CODE("CN11")
    with pytest.raises(ValidationError):
        REGION_CODE("cn 11")


@pytest.mark.parametrize("phone", ["hello", "13800138000<b>", "\x00123", "12"])
def test_a_phone_that_is_not_a_number_is_refused(phone: str) -> None:
    person = PersonFactory.build(phone=phone)
    with pytest.raises(ValidationError) as caught:
        person.full_clean(exclude=["region"])
    assert "phone" in caught.value.message_dict


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "(010) 6512-3456"])
def test_phone_numbers_as_people_write_them_are_accepted(phone: str) -> None:
    PHONE(phone)


def test_a_full_width_user_name_is_written_as_the_same_plain_characters() -> None:
    account = Account(username="ｌｉ．ｗｅｉ", kind="staff")
    account.full_clean(exclude=["password"])  # Django's NFKC normalisation, then the rule
    assert account.username == "li.wei"


def test_a_wrong_citizen_id_and_a_wrong_phone_are_both_reported_at_once() -> None:
    person = PersonFactory.build(phone="hello", national_id="110105194912310021")
    with pytest.raises(ValidationError) as caught:
        person.full_clean(exclude=["region"])
    assert {"phone", "national_id"} <= set(caught.value.message_dict)
