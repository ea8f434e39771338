"""The one text of a definition, and the content hash that decides whether a loaded file is a
new version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

Definition = Mapping[str, Any]


def canonical_json(definition: Definition) -> str:
    """The one text of a definition: sorted keys, no spaces, Unicode kept as is."""
    return json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(definition: Definition) -> str:
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()
