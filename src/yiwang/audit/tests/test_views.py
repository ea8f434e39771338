from __future__ import annotations

import base64
from typing import Any

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


def test_well_known_key_answers_only_get(client: Client, db: Any) -> None:
    assert client.post("/.well-known/yiwang/audit-key").status_code == 405
