"""The audit log's canonical encodings. Pure Python, no Django: offline verification uses it.

An event's *content hash* is SHA-256 over a versioned, canonical text of every field except its
id. The id is bound separately in the Merkle leaf, together with the content hash, so that the
verifier can tell an event whose content changed from two events whose ids were swapped.

The canonical text is the fields joined by the ASCII unit separator (0x1F). Writers never store
a control character in a field (JSON escapes them, short fields are checked), so a valid event
always has exactly ``len(EVENT_FIELDS)`` separators; anything else cannot have been written by
the platform and is reported as changed. This form is cheap to build — PostgreSQL can even
produce it in SQL — which is what keeps verifying a million events within seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Sequence
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from yiwang.audit import merkle

EVENT_VERSION = "yiwang.audit.event/1"
SEPARATOR = "\x1f"
SEPARATOR_BYTE = b"\x1f"
# The hashed fields, in order. The id is not here: it is bound in the leaf (see module doc).
EVENT_FIELDS: tuple[str, ...] = (
    "created_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "actor_department",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subjects",
    "purpose",
    "request_id",
    "data",
)
SEPARATORS_IN_VALID_TEXT = len(EVENT_FIELDS)
ACTION_INDEX = 1 + EVENT_FIELDS.index("action")
CREATED_AT_INDEX = 1 + EVENT_FIELDS.index("created_at")

LEAF_VERSION = b"\x01"
CHECKPOINT_VERSION = "yiwang-audit-checkpoint/1"
SIGNATURE_ALGORITHM = "Ed25519"


# --- Events ---------------------------------------------------------------------------------
def canonical_timestamp(value: dt.datetime) -> str:
    """UTC to the microsecond, fixed width: ``2026-11-27T08:22:00.123456+00:00``.

    Fixed width, so the texts sort in time order; and exactly what ``datetime.isoformat`` writes,
    which is the cheapest way to turn a million timestamps into text.
    """
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None or len(text) != len("2026-01-01T00:00:00.000000+00:00"):
        raise ValueError(f"{text!r} is not a canonical audit timestamp")
    return value


def _json_default(value: Any) -> Any:
    # Values every service has at hand; anything else must be turned into JSON by the caller.
    if isinstance(value, dt.datetime):
        return canonical_timestamp(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# Built once: json.dumps builds an encoder on every call when given any option.
_CANONICAL = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    default=_json_default,
)
# The C encoder JSONEncoder.encode would build anew on every call, built once; it is what every
# audited write encodes its payload with. Without the circular check (a cycle ends in
# RecursionError, turned into ValueError below), which is what lets one serve every call.
_MAKE_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)  # None without CPython's _json
_C_CANONICAL = (
    None
    if _MAKE_C_ENCODER is None
    else _MAKE_C_ENCODER(
        None, _json_default, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys; control characters are always escaped."""
    if _C_CANONICAL is None or isinstance(value, str):
        return _CANONICAL.encode(value)
    try:
        return "".join(_C_CANONICAL(value, 0))
    except RecursionError:
        raise ValueError("the value refers to itself or is nested too deeply") from None


def canonical_string_list(values: Sequence[str]) -> str:
    """``canonical_json`` of a list of strings, without the encoder's set-up."""
    return "[" + ",".join(map(json.encoder.encode_basestring, values)) + "]"


def event_text(fields: Sequence[str]) -> str:
    """The canonical text of an event, from its field values in :data:`EVENT_FIELDS` order."""
    return SEPARATOR.join((EVENT_VERSION, *fields))


def text_hash(text: str | bytes | None) -> bytes | None:
    """Content hash of a canonical text (``str``, or its UTF-8 bytes), or None when the text
    cannot be a valid event."""
    if text is None:
        return None
    if isinstance(text, str):
        try:
            text = text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    # In UTF-8 the byte 0x1F only ever stands for U+001F, so counting bytes counts separators.
    if text.count(SEPARATOR_BYTE) != SEPARATORS_IN_VALID_TEXT:
        return None
    return sha256(text).digest()


def content_hash(fields: Sequence[str]) -> bytes:
    return encoded_content_hash(encoded_fields(fields))


_NOT_TEXT = "an audit field contains a control character or is not valid text"
_TEXT_PREFIX = (EVENT_VERSION + SEPARATOR).encode()


def encoded_fields(fields: Sequence[str]) -> list[bytes]:
    """The fields in UTF-8, as they are stored and hashed (ValueError if one cannot be)."""
    try:
        return [field.encode() for field in fields]
    except UnicodeEncodeError:
        raise ValueError(_NOT_TEXT) from None


def encoded_content_hash(encoded: Sequence[bytes]) -> bytes:
    """:func:`content_hash` of fields already in UTF-8 (:func:`encoded_fields`)."""
    digest = text_hash(_TEXT_PREFIX + SEPARATOR_BYTE.join(encoded))
    if digest is None:
        raise ValueError(_NOT_TEXT)
    return digest


def text_field(text: str | bytes, index: int) -> str:
    """One field of a canonical text (index 0 is the version), for messages; '' if absent."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    parts = text.split(SEPARATOR)
    return parts[index] if 0 <= index < len(parts) else ""


def leaf_data(event_id: int, digest: bytes) -> bytes:
    """Leaf payload: version byte, the event id (8 bytes, big-endian) and its content hash."""
    return LEAF_VERSION + event_id.to_bytes(8, "big", signed=True) + digest


def event_leaf_hash(event_id: int, digest: bytes) -> bytes:
    return merkle.leaf_hash(leaf_data(event_id, digest))


# --- Checkpoints and keys -------------------------------------------------------------------
def checkpoint_body(*, tree_size: int, root: bytes, timestamp: str, key_id: str) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return (
        f"{CHECKPOINT_VERSION}\n"
        f"tree_size:{tree_size}\n"
        f"root:{root.hex()}\n"
        f"timestamp:{timestamp}\n"
        f"key_id:{key_id}\n"
    ).encode("ascii")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte public key."""
    return sha256(raw_public_key(key)).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key_pem(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ValueError for anything else, however it is broken."""
    try:
        key = serialization.load_pem_public_key(pem)
    except UnsupportedAlgorithm as exc:
        raise ValueError(f"not a key this platform signs with ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the audit public key must be an Ed25519 key")
    return key


def load_private_key_pem(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the audit signing key must be an Ed25519 private key")
    return key


def public_key_document(key: Ed25519PublicKey) -> dict[str, str]:
    """What the platform publishes so anyone can check its checkpoints."""
    return {
        "algorithm": SIGNATURE_ALGORITHM,
        "key_id": key_id(key),
        "public_key": base64.b64encode(raw_public_key(key)).decode("ascii"),
        "public_key_pem": public_key_pem(key),
    }


def signature_valid(key: Ed25519PublicKey, signature: bytes, body: bytes) -> bool:
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return False
    return True
