"""The materials on a task's page say what the applicant was asked for: a file, a registry that
stood in for it (the applicant was told not to upload it), or nothing for an optional material.
Only a needed material with no file is "Missing"."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from yiwang.applications import selectors
from yiwang.applications.models import Application, MaterialUpload
from yiwang.applications.selectors import case_files
from yiwang.applications.tests.test_prefill import pworld
from yiwang.applications.tests.test_prefill_corrections import submitted
from yiwang.backoffice.tests.test_registry_answer_corrections import clerk_client
from yiwang.core.testing.html import parse

pytestmark = pytest.mark.django_db
__all__ = ["pworld"]

TEXT = {
    "en": {
        "certificate": "Copy of the certificate",
        "photo": "Photo",
        "provided": "Provided by Certificates registry",
        "optional": "Not uploaded (optional)",
        "missing": "Missing",
    },
    "zh-hans": {
        "certificate": "证书复印件",
        "photo": "照片",
        "provided": "由证书库提供",
        "optional": "未上传（选填）",
        "missing": "缺失",
    },
}


def material_cells(app: Application, language: str) -> dict[str, str]:
    """The "File" cell of each row of "Materials", by the material's name."""
    task = app.cases.get().tasks.get()
    response = clerk_client(language).get(f"/backoffice/tasks/{task.pk}/")
    assert response.status_code == 200
    section = parse(response.content).one("section", aria_labelledby="materials-heading")
    return {
        cells[0].text: cells[1].text
        for row in section.one("tbody").find_all("tr")
        if (cells := row.find_all("td"))
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_material_a_registry_provided_names_the_registry(pworld: Any, language: str) -> None:
    app = submitted(pworld["citizen"])
    text = TEXT[language]

    cells = material_cells(app, language)

    assert cells[text["certificate"]] == text["provided"]
    assert cells[text["photo"]].startswith("photo.pdf")
    assert text["missing"] not in cells.values()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_optional_material_without_a_file_is_not_missing(
    pworld: Any, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = submitted(pworld["citizen"])
    text = TEXT[language]
    # The fixture's photo is needed; say it is optional, and take its file away.
    MaterialUpload.objects.filter(application=app, material_code="photo").update(superseded=True)
    needed = selectors.materials_required

    def photo_optional(*, application: Application, **part: Any) -> list[Any]:
        return [
            dataclasses.replace(m, optional=True) if m.code == "photo" else m
            for m in needed(application=application, **part)
        ]

    # Where the task page's case file reads what the application needs.
    monkeypatch.setattr(case_files, "materials_required", photo_optional)

    cells = material_cells(app, language)

    assert cells[text["photo"]] == text["optional"]


def test_a_needed_material_without_a_file_is_missing(pworld: Any) -> None:
    app = submitted(pworld["citizen"])
    MaterialUpload.objects.filter(application=app, material_code="photo").update(superseded=True)

    cells = material_cells(app, "en")

    assert cells["Photo"] == "Missing"
