"""A condition that passed the loader but cannot be evaluated for one person's answers (a
division by zero) never breaks their pages: it counts as true, and the operator's log names it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from yiwang.applications.models import Task
from yiwang.portal.tests.service_world import (
    DEPARTMENTS,
    SERVICES,
    _media,
    citizen,
    client_for,
    fill_bundle,
    html,
    start,
    submit,
    upload_all,
)

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen"]

# False for most households (4 / 1 > 100 is false); for a household of 3 it divides by zero.
FAILS_FOR_THREE = "form.household_size / (form.household_size - 3) > 100"


@pytest.fixture
def world(db: Any, tmp_path: Path) -> None:
    """The portal's test catalogue, with the address change's birth certificate and its step
    depending on a condition that cannot be evaluated for a household of three."""
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue
    from yiwang.identity.tests.factories import DepartmentFactory, RegionFactory, StaffFactory

    folder = tmp_path / "services"
    shutil.copytree(SERVICES, folder)
    path = folder / "address-change.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["materials"][1]["condition"] = FAILS_FOR_THREE
    data["process"]["stages"][0]["steps"][0]["condition"] = FAILS_FOR_THREE
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    nation = RegionFactory(code="CN", level="nation")
    district = RegionFactory(code="990103", parent=nation)
    for code, (zh, en) in DEPARTMENTS.items():
        department = DepartmentFactory(code=code, region=district, name_zh=zh, name_en=en)
        for role in ("reviewer", "approver"):
            StaffFactory(
                username=f"{code}.{role}",
                membership__department=department,
                membership__role=role,
            )
    catalogue.load_definitions([folder], actor=system_actor("test"), publish=True)


def test_the_materials_page_opens_and_asks_for_the_material(
    world: None, citizen: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    fill_bundle(client, pk)  # a household of 3
    with caplog.at_level(logging.ERROR, logger="yiwang.catalogue.domain.form_data"):
        response = client.get(f"/my/applications/{pk}/materials/")
    assert response.status_code == 200
    names = [i.get("name") for i in html(response).find_all("input", type="file")]
    assert "file-birth-certificate" in names  # counted as needed: nothing required is skipped
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert lines
    assert all("address-change" in line and FAILS_FOR_THREE in line for line in lines)


def test_submitting_runs_the_step(world: None, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    fill_bundle(client, pk)
    upload_all(client, pk)
    response = submit(client, pk)
    assert response.status_code == 302 and response["Location"].endswith("/receipt/")
    task = Task.objects.get(case__application_id=pk, step_code="check")
    assert task.status != "skipped"
