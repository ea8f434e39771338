"""A small world for API and back-office tests: two departments, their services, people, firms,
clerks, department systems and applications at each stage.

Everything is made through the platform's own services, so the tests see what a real run sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.applications import selectors, services
from yiwang.applications.constants import TaskStatus
from yiwang.audit.actors import system_actor
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    FirmFactory,
    FirmRepresentativeFactory,
    MembershipFactory,
    StaffFactory,
)

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
PLATFORM = system_actor("tests")

# The smallest file that a PDF reader (and the upload check) takes for a PDF.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

SHOP_ANSWERS = {"shop_name": "Corner Shop", "floor_area": 30, "phone": "13900000000"}


def pdf(name: str = "plan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    licensing: Any  # department "bo-licensing": the shop permit (review, then decision)
    streets: Any  # department "bo-streets": the sign permit


def make_world() -> World:
    from yiwang.catalogue.services import load_definitions

    world = World(
        licensing=DepartmentFactory(
            code="bo-licensing", name_zh="演示市许可局", name_en="Demo City Licensing Office"
        ),
        streets=DepartmentFactory(
            code="bo-streets", name_zh="演示市街道管理局", name_en="Demo City Streets Office"
        ),
    )
    load_definitions(sorted(DEFINITIONS.glob("*.yaml")), actor=PLATFORM, publish=True)
    return world


def citizen(**kwargs: Any) -> Any:
    return CitizenFactory(**kwargs)


def representative(firm: Any = None) -> Any:
    """A citizen who may act for ``firm`` (a new firm if none is given)."""
    account = CitizenFactory()
    FirmRepresentativeFactory(firm=firm or FirmFactory(), person=account.person)
    return account


def clerk(department: Any, *roles: str, **kwargs: Any) -> Any:
    roles = roles or (Role.REVIEWER,)
    account = StaffFactory(membership__department=department, membership__role=roles[0], **kwargs)
    for role in roles[1:]:
        MembershipFactory(account=account, department=department, role=role)
    return account


def department_system(department: Any, name: str = "case-system") -> tuple[Any, str]:
    """A department system and a live API token for it."""
    from yiwang.exchange.services import issue_credential, register_system

    system = register_system(actor=PLATFORM, department=department.code, name=name)
    return system, issue_credential(actor=PLATFORM, system=system).token


def draft(applicant: Any, *, service: str = "shop-permit", firm: Any = None,
          answers: dict[str, Any] | None = None, upload: bool = False) -> Any:  # fmt: skip
    app = services.start_application(actor=applicant, service_code=service, firm=firm)
    if answers:
        app = services.save_draft(actor=applicant, application=app, data=answers).application
    if upload:
        services.add_upload(
            actor=applicant, application=app, material_code="site-plan", uploaded_file=pdf()
        )
    return app


def submitted(applicant: Any, *, firm: Any = None, service: str = "shop-permit",
              answers: dict[str, Any] | None = None) -> Any:  # fmt: skip
    """A submitted application whose first task is open in its department's queue."""
    if service == "shop-permit":
        app = draft(applicant, firm=firm, answers=answers or SHOP_ANSWERS, upload=True)
    else:
        app = draft(applicant, service=service, firm=firm,
                    answers=answers or {"sign_text": "Corner Shop"})  # fmt: skip
    return services.submit_application(actor=applicant, application=app, idempotency_key="k1")


def open_task(app: Any) -> Any:
    """The application's task that is open now."""
    from yiwang.applications.models import Task

    return Task.objects.get(case__application=app, status=TaskStatus.OPEN)


def task_of(actor: Any, app: Any) -> Any:
    return selectors.task_for(actor=actor, pk=open_task(app).pk)


# --- A bundle whose departments ask different things ------------------------------------------

# "Open a café": the café licence (bo-licensing) asks for the seats and a floor plan, the payroll
# registration (bo-streets) for the bank account and the bank's letter; both ask for the business
# name and the lease, asked once.
CAFE_ANSWERS = {"business_name": "Plum Café", "seats": 24, "bank_account": "6222020200112233445"}
CAFE_FILES = {"floor-plan": "plan.pdf", "lease": "lease.pdf", "bank-letter": "bank-letter.pdf"}


def load_cafe() -> None:
    from yiwang.catalogue.services import load_definitions

    paths = sorted((DEFINITIONS / "minimum").glob("*.yaml"))
    load_definitions(paths, actor=PLATFORM, publish=True)


def submitted_cafe(applicant: Any) -> Any:
    """A submitted "Open a café" application with every answer and file: one open task in each
    department (``load_cafe`` first)."""
    app = services.start_application(actor=applicant, bundle_code="open-a-cafe")
    app = services.save_draft(actor=applicant, application=app, data=CAFE_ANSWERS).application
    for code, name in CAFE_FILES.items():
        services.add_upload(
            actor=applicant, application=app, material_code=code, uploaded_file=pdf(name)
        )
    return services.submit_application(actor=applicant, application=app, idempotency_key="k1")


def open_task_of(app: Any, service: str) -> Any:
    """The open task of the application's case for ``service``."""
    from yiwang.applications.models import Task

    return Task.objects.get(case__application=app, service_code=service, status=TaskStatus.OPEN)
