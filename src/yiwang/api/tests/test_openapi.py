"""The committed OpenAPI document is the API's contract: it must match the code exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yiwang.api import openapi

COMMITTED = Path(__file__).resolve().parents[4] / "openapi" / "yiwang-v1.json"


def test_the_committed_document_matches_the_code() -> None:
    committed = COMMITTED.read_text(encoding="utf-8")

    assert committed == openapi.render(), (
        "openapi/yiwang-v1.json is out of date. Regenerate it with\n"
        "    python -m yiwang.api.openapi > openapi/yiwang-v1.json\n"
        "and commit the change together with the code that caused it."
    )


def test_the_document_is_openapi_3_1_with_unique_operation_ids() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operations = [
        op for path in document["paths"].values() for op in path.values() if "operationId" in op
    ]

    assert document["openapi"].startswith("3.1")
    assert len({op["operationId"] for op in operations}) == len(operations)


def test_every_operation_declares_its_errors_in_the_one_format() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    error_ref = "#/components/schemas/ErrorResponse"

    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            declared = operation["responses"]
            errors = {code: r for code, r in declared.items() if code.startswith(("4", "5"))}
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in errors, f"{method.upper()} {path} does not declare 422"
            assert "500" in errors, f"{method.upper()} {path} does not declare 500"
            if operation.get("security"):
                assert "401" in errors, f"{method.upper()} {path} does not declare 401"
            if "{" in path:
                assert "404" in errors, f"{method.upper()} {path} does not declare 404"
            for code, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": error_ref}, f"{method.upper()} {path} {code}"


def test_the_generator_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    openapi.main()
    out = capsys.readouterr().out

    assert json.loads(out)["info"]["title"] == "yiwang"
