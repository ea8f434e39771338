"""One-stop services end to end: 张静 applies for "Open a restaurant" (开办餐馆一件事) in the demo
world, and Market Regulation, Fire and Rescue, Tax and HRSS decide in the back office.

The bundle's conditional parts are exercised through the browser: hiring staff adds the employer's
social insurance registration, a limited company needs its articles of association, and a
kitchen needs its layout. Every page visited passes axe-core; the Market Regulation approver
works in English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from yiwang.applications.constants import ApplicationOutcome, ApplicationStatus, CaseStatus
from yiwang.applications.models import Application
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
    press,
    upload_every_material,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZH = "zh-Hans"
EN = "en"

APPLICANT = "zhang.jing"
APPLICANT_ID = "990102199307210044"  # 张静, people.yaml

# A small cold-food restaurant (120 m², so no second food-safety review and no fire inspection)
# run by a new limited company that hires three people.
ANSWERS = {
    "business_name": "演示市云湖区静味轩餐饮有限公司",
    "business_form": "limited_company",
    "business_scope": "餐饮服务（冷食类食品制售）",
    "registered_capital": "100000",
    "premises_address": "演示市云湖区湖滨路66号1层",
    "floor_area": "120",
    "legal_rep_name": "张静",
    "legal_rep_id": APPLICANT_ID,
    "hires_staff": "true",
    "employee_count": "3",
    "food_category": "cold_meals",
    "seats": "24",
    "food_safety_manager": "张静",
    "fire_commitment": "true",
    "finance_contact_phone": "13900139000",
    "needs_invoices": "true",
    "payroll_contact_phone": "13900139000",
}

OUTPUTS_ZH = (
    "营业执照",
    "食品经营许可证",
    "公众聚集场所投入使用、营业前消防安全检查合格证",
    "税务登记信息确认",
    "社会保险登记",
)


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


def test_open_a_restaurant_from_application_to_results(
    live_server: Any, new_page: Any, demo_world: None
) -> None:
    applicant = new_page()
    log_in(applicant, "/login/", APPLICANT, ZH)
    checked(applicant, ZH)
    applicant.goto("/catalogue/")
    checked(applicant, ZH)
    press(applicant, 'main a[href$="/bundles/open-a-restaurant/"]')
    checked(applicant, ZH)
    press(applicant, 'main form[action$="/start/"] button')
    checked(applicant, ZH)
    if "/prefill/" in path_of(applicant):
        assert "张静" in applicant.locator("main").inner_text()
        press(applicant, USE_THESE_DETAILS)

    answered: list[str] = []
    while "/pages/" in path_of(applicant):
        checked(applicant, ZH)
        answered += fill_form(applicant, ANSWERS)
        press(applicant, CONTINUE)
        assert not error_summary(applicant), error_summary(applicant)
    # Hiring staff brought in the employer's insurance page.
    assert {"employee_count", "payroll_contact_phone", "food_category"} <= set(answered)

    assert path_of(applicant).endswith("/materials/")
    checked(applicant, ZH)
    given = upload_every_material(applicant)
    assert set(given) == {
        "id_file-premises-proof",
        "id_file-articles-of-association",
        "id_file-kitchen-layout",
    }
    press(applicant, CONTINUE)
    assert not error_summary(applicant), error_summary(applicant)

    assert path_of(applicant).endswith("/check/")
    checked(applicant, ZH)
    summary = applicant.locator("main").inner_text()
    for value in (ANSWERS["business_name"], APPLICANT_ID, "kitchen-layout.pdf"):
        assert value in summary, value
    press(applicant, SUBMIT)
    assert path_of(applicant).endswith("/receipt/")
    checked(applicant, ZH)
    receipt = applicant.locator(".receipt-number").inner_text().strip()
    application_path = path_of(applicant).removesuffix("receipt/")

    # Market Regulation reviews the business registration and the food licence, then its
    # approver (working in English) grants both; the other departments decide theirs.
    clerk_decides(new_page, receipt, "amr.reviewer", "approve", lang=ZH, tasks=2, through_home=True)
    clerk_decides(new_page, receipt, "amr.approver", "approve", lang=EN, tasks=2, language="en")
    for username in ("fire.reviewer", "fire.approver", "tax.reviewer", "hrss.reviewer",
                     "hrss.approver"):  # fmt: skip
        clerk_decides(new_page, receipt, username, "approve", lang=ZH)

    applicant.goto(application_path)
    checked(applicant, ZH)
    finished = applicant.locator("main").inner_text()
    with translation.override("zh-hans"):
        assert str(ApplicationStatus.COMPLETED.label) in finished
    for output in OUTPUTS_ZH:
        assert output in finished, output
    application = Application.objects.get(receipt_number=receipt)
    assert application.status == ApplicationStatus.COMPLETED
    assert application.outcome == ApplicationOutcome.APPROVED
    assert sorted(application.cases.values_list("status", flat=True)) == [CaseStatus.APPROVED] * 5
