"""One-stop services end to end: 孙丽 applies for "Welcome a newborn" (新生儿出生一件事) in the
demo world, and the five departments' clerks decide in the back office.

Everything happens in headless Chromium through the real pages: logging in, the catalogue, the
"What we already know" page of records read once, the questions, uploads, the receipt, each
department's queue and task page, a correction (补正) asked for and answered, and the finished
application with what the citizen gets. Every page visited passes axe-core.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from yiwang.applications.constants import ApplicationOutcome, ApplicationStatus, CaseStatus
from yiwang.applications.models import Application
from yiwang.core.testing.browser import switch_language
from yiwang.core.testing.journey import (
    CONTINUE,
    SUBMIT,
    USE_THESE_DETAILS,
    checked,
    clerk_decides,
    error_summary,
    fill_form,
    load_demo_world,
    log_in,
    path_of,
    pdf_bytes,
    png_bytes,
    press,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZH = "zh-Hans"
EN = "en"

CITIZEN = "sun.li"
MOTHER_ID = "990102199405120720"  # 孙丽, people.yaml
FATHER_ID = "990102199208250817"  # 周强, people.yaml

# Every question of the bundle, answered as 孙丽 would. Those the registries answer are locked on
# the pages and left alone; the same values stand in for them if a registry could not be read.
ANSWERS = {
    "baby_name": "周雨桐",
    "baby_sex": "female",
    "baby_birth_date": "",  # set from the certificate's date in the test
    "birth_certificate_number": "Q990260001",
    "birth_hospital": "演示市妇幼保健院",
    "mother_name": "孙丽",
    "mother_id": MOTHER_ID,
    "father_name": "周强",
    "father_id": FATHER_ID,
    "household_address": "演示市云湖区湖滨路18号",
    "registering_parent": "mother",
    "guardian_phone": "13800138000",
    "card_delivery": "post",
    "postal_address": "演示市云湖区湖滨路18号2单元301室",
    "bank_name": "演示银行云湖支行",
    "bank_account": "6222020200112233",  # the wrong account: Civil Affairs asks for a correction
}
RIGHT_BANK_ACCOUNT = "6222020200112234455"

# What the five services give (their definitions' outputs).
OUTPUTS_ZH = ("出生医学证明核验结果", "户口登记", "医保参保登记", "社会保障卡", "育儿补贴发放决定")
OUTPUTS_EN = (
    "Confirmation of the birth medical certificate",
    "Household register entry",
    "Medical insurance enrolment",
    "Social security card",
    "Decision on the childcare subsidy",
)
FIRST_CLERK = "health.reviewer"


@pytest.fixture(autouse=True)
def _quiet_and_fast(settings: Any, tmp_path: Path) -> None:
    """Files in a temporary folder, messages kept in memory, and quick password hashing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.YIWANG_SMS_BACKEND = "yiwang.notifications.sms.MemoryBackend"
    # The demo has dozens of accounts; Argon2 would make loading it take many seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_world(live_server: Any) -> None:
    load_demo_world()


def test_welcome_a_newborn_from_application_to_results(
    live_server: Any, new_page: Any, demo_world: None
) -> None:
    citizen = new_page()
    citizen.goto("/")
    checked(citizen, ZH)
    log_in(citizen, "/login/", CITIZEN, ZH)
    checked(citizen, ZH)

    # The catalogue lists the bundle; its page says what it covers and starts it.
    citizen.goto("/catalogue/")
    checked(citizen, ZH)
    press(citizen, 'main a[href$="/bundles/welcome-a-newborn/"]')
    checked(citizen, ZH)
    press(citizen, 'main form[action$="/start/"] button')
    checked(citizen, ZH)
    if "/prefill/" in path_of(citizen):
        known = citizen.locator("main").inner_text()
        assert MOTHER_ID in known and "Q990260001" in known
        press(citizen, USE_THESE_DETAILS)

    # The questions the records did not answer, page by page; what they did answer is locked.
    answered: list[str] = []
    while "/pages/" in path_of(citizen):
        checked(citizen, ZH)
        answered += fill_form(citizen, ANSWERS)
        press(citizen, CONTINUE)
        assert not error_summary(citizen), error_summary(citizen)
    assert {"guardian_phone", "card_delivery", "bank_account"} <= set(answered)

    # Uploads: the birth certificate comes from the health registry; the booklet does not.
    assert path_of(citizen).endswith("/materials/")
    checked(citizen, ZH)
    assert citizen.locator("#id_file-birth-medical-certificate").count() == 0
    citizen.set_input_files(
        "#id_file-household-booklet",
        files=[{"name": "hukou.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    citizen.set_input_files(
        "#id_file-baby-photo",
        files=[{"name": "baby.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    press(citizen, CONTINUE)
    assert not error_summary(citizen), error_summary(citizen)

    # Check the answers, submit, and note the receipt number.
    assert path_of(citizen).endswith("/check/")
    checked(citizen, ZH)
    summary = citizen.locator("main").inner_text()
    for value in ("hukou.pdf", "baby.png", ANSWERS["bank_account"], MOTHER_ID, "周雨桐"):
        assert value in summary, value
    press(citizen, SUBMIT)
    assert path_of(citizen).endswith("/receipt/")
    checked(citizen, ZH)
    receipt = citizen.locator(".receipt-number").inner_text().strip()
    assert receipt.startswith("YW"), receipt
    application_path = path_of(citizen).removesuffix("receipt/")

    # Each department decides in its own back office; Civil Affairs asks for a correction.
    for username in ("health.reviewer", "psb.reviewer", "psb.approver", "mi.reviewer",
                     "hrss.reviewer", "hrss.approver"):  # fmt: skip
        decide(new_page, receipt, username, "approve")
    decide(new_page, receipt, "ca.reviewer", "request_correction",
           fields=("bank_account",), note="银行账号少了三位，请核对后重新填写。")  # fmt: skip

    citizen.goto(application_path)
    checked(citizen, ZH)
    assert "银行账号少了三位" in citizen.locator("main").inner_text()
    press(citizen, f'main a[href*="{application_path}corrections/"]')
    checked(citizen, ZH)
    citizen.fill("#id_bank_account", RIGHT_BANK_ACCOUNT)
    press(citizen, "main form[enctype] button")
    assert not error_summary(citizen), error_summary(citizen)
    checked(citizen, ZH)

    decide(new_page, receipt, "ca.reviewer", "approve")
    decide(new_page, receipt, "ca.approver", "approve")

    # Done: the citizen sees the completed application and what each department gives.
    citizen.goto(application_path)
    checked(citizen, ZH)
    finished = citizen.locator("main").inner_text()
    with translation.override("zh-hans"):
        assert str(ApplicationStatus.COMPLETED.label) in finished
        assert str(ApplicationOutcome.APPROVED.label) in finished
    for output in OUTPUTS_ZH:
        assert output in finished, output
    assert RIGHT_BANK_ACCOUNT in finished and ANSWERS["bank_account"] not in finished
    application = Application.objects.get(receipt_number=receipt)
    assert application.status == ApplicationStatus.COMPLETED
    assert application.outcome == ApplicationOutcome.APPROVED
    assert application.form_data["bank_account"] == RIGHT_BANK_ACCOUNT
    assert sorted(application.cases.values_list("status", flat=True)) == [CaseStatus.APPROVED] * 5

    # The same pages in English, after pressing the language button.
    switch_language(citizen, "en")
    checked(citizen, EN)
    finished = citizen.locator("main").inner_text()
    assert "Completed" in finished and "Birth medical certificate check" in finished
    for output in OUTPUTS_EN:
        assert output in finished, output
    for path in ("/my/applications/", "/my/inbox/", "/catalogue/", "/bundles/welcome-a-newborn/"):
        citizen.goto(path)
        checked(citizen, EN)
    citizen.goto("/my/inbox/")
    press(citizen, "main li a >> nth=0")
    checked(citizen, EN)


def decide(new_page: Any, receipt: str, username: str, decision: str, **options: Any) -> None:
    clerk_decides(
        new_page, receipt, username, decision, lang=ZH, through_home=username == FIRST_CLERK,
        **options,
    )  # fmt: skip
