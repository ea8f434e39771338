"""The platform's audit signing key.

``YIWANG_AUDIT_SIGNING_KEY`` (an Ed25519 private key in PEM) is used when set. Otherwise a key is
generated once into ``$YIWANG_DATA_DIR/audit_signing_key.pem``. Several processes may start at
the same moment, so the file is written under a temporary name and then hard-linked into place:
the link either appears complete or fails because another process won, and then its key is used.

Public keys of earlier signing keys can be kept in ``$YIWANG_DATA_DIR/audit_trusted_keys/*.pem``
so that checkpoints signed before a key rotation still verify.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from yiwang.audit import domain
from yiwang.conf import env

KEY_FILE_NAME = "audit_signing_key.pem"
TRUSTED_KEYS_DIR = "audit_trusted_keys"


def key_path() -> Path:
    return env.data_dir() / KEY_FILE_NAME


def _generate_into(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        # If another process installed its key first, everyone uses that one.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@functools.lru_cache(maxsize=4)
def _load(configured: str | None, path: str) -> Ed25519PrivateKey:
    if configured:
        return domain.load_private_key_pem(configured.encode("ascii"))
    file = Path(path)
    if not file.exists():
        _generate_into(file)
    return domain.load_private_key_pem(file.read_bytes())


def signing_key() -> Ed25519PrivateKey:
    return _load(getattr(settings, "YIWANG_AUDIT_SIGNING_KEY", None) or None, str(key_path()))


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def current_key_id() -> str:
    return domain.key_id(public_key())


class UnreadableKey(ValueError):
    """A key file kept in the data directory is not what it should be; the message says which."""


def retired_public_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys of earlier signing keys the operator chose to keep trusting, by key id.

    Raises UnreadableKey naming the file when one of them is not an Ed25519 public key."""
    keys: dict[str, Ed25519PublicKey] = {}
    directory = env.data_dir() / TRUSTED_KEYS_DIR
    if directory.is_dir():
        for pem in sorted(directory.glob("*.pem")):
            try:
                key = domain.load_public_key_pem(pem.read_bytes())
            except (OSError, ValueError) as exc:
                raise UnreadableKey(
                    f"{pem} is not an Ed25519 public key in PEM ({exc}); replace it with the "
                    "retired key's public half, or remove it"
                ) from exc
            keys[domain.key_id(key)] = key
    return keys


def trusted_public_keys() -> dict[str, Ed25519PublicKey]:
    """The current public key and any retired ones the operator chose to keep trusting."""
    return {**retired_public_keys(), current_key_id(): public_key()}
