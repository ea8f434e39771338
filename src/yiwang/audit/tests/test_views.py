from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from yiwang.audit import domain


def test_well_known_key_publishes_the_public_half(
    client: Client, signing_key: Ed25519PrivateKey, db: Any
) -> None:
    response = client.get("/.well-known/yiwang/audit-key")
    assert response.status_code == 200
    body = response.json()
    public = signing_key.public_key()
    assert body["algorithm"] == "Ed25519"
    assert body["key_id"] == domain.key_id(public)
    assert base64.b64decode(body["public_key"]) == domain.raw_public_key(public)
    assert (
        domain.key_id(domain.load_public_key_pem(body["public_key_pem"].encode())) == body["key_id"]
    )
    assert "PRIVATE" not in response.content.decode()
    assert "public" in response["Cache-Control"]


def test_well_known_key_answers_only_get_and_head(client: Client, db: Any) -> None:
    assert client.post("/.well-known/yiwang/audit-key").status_code == 405
    assert client.head("/.well-known/yiwang/audit-key").status_code == 200


def test_well_known_key_publishes_the_retired_keys_too(
    client: Client, db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_DATA_DIR", str(tmp_path))
    retired = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "audit_trusted_keys").mkdir()
    (tmp_path / "audit_trusted_keys" / "2025.pem").write_text(domain.public_key_pem(retired))
    body = client.get("/.well-known/yiwang/audit-key").json()
    assert [k["key_id"] for k in body["retired_keys"]] == [domain.key_id(retired)]
    # A file that cannot be read is left out (and logged), not a failure of the page.
    (tmp_path / "audit_trusted_keys" / "broken.pem").write_text("garbage")
    response = client.get("/.well-known/yiwang/audit-key")
    assert response.status_code == 200
    assert response.json()["retired_keys"] == []
