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

from yiwang.core.testing.browser import switch_language
from yiwang.core.testing.journey import (
    CONTINUE,
    DECIDE,
    SUBMIT,
    USE_THESE_DETAILS,
    checked,
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
           fields=["bank_account"], note="银行账号少了三位，请核对后重新填写。")  # fmt: skip

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

    citizen.goto(application_path)
    checked(citizen, ZH)
    print(citizen.locator("main").inner_text())


def decide(
    new_page: Any,
    receipt: str,
    username: str,
    decision: str,
    *,
    fields: tuple[str, ...] | list[str] = (),
    note: str = "",
) -> None:
    """A clerk logs in, finds the application in their queue by receipt number, claims its task
    and records the decision."""
    clerk = new_page()
    log_in(clerk, "/backoffice/login/", username, ZH)
    checked(clerk, ZH)
    press(clerk, 'a[href="/backoffice/queue/"] >> nth=0')
    checked(clerk, ZH)
    row = clerk.locator("table.queue-table tbody tr").filter(
        has=clerk.locator(f'a.queue-table__receipt:text-is("{receipt}")')
    )
    assert row.count() == 1, f"{username} sees {row.count()} tasks of {receipt}"
    if row.locator("button.queue-table__claim").count():
        press(clerk, f"{_row(receipt)} button.queue-table__claim")
        checked(clerk, ZH)
    press(clerk, f"{_row(receipt)} a.queue-table__receipt")
    checked(clerk, ZH)
    clerk.locator(f'input[name="decision"][value="{decision}"]').check()
    for field in fields:
        clerk.locator(f'input[name="correction_fields"][value="{field}"]').check()
    if note:
        clerk.fill("#id_note", note)
    press(clerk, DECIDE)
    assert not error_summary(clerk), error_summary(clerk)
    checked(clerk, ZH)
    assert clerk.locator(".message--success").count() == 1
    clerk.context.close()


def _row(receipt: str) -> str:
    return f'table.queue-table tbody tr:has(a.queue-table__receipt:text-is("{receipt}"))'
