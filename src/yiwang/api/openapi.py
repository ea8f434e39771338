"""Print the API's OpenAPI document: ``python -m yiwang.api.openapi > openapi/yiwang-v1.json``.

The committed file is the contract department developers build against; a test fails when the
code and the file disagree, so every change to the API shows up as a diff of the file.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

PATH_PREFIX = "/api/v1/"


def document() -> dict[str, Any]:
    """The OpenAPI document, as the running API would serve it."""
    from yiwang.api.main import api

    return dict(api.get_openapi_schema(path_prefix=PATH_PREFIX))


def render() -> str:
    """The document as committed: stable key order, readable, UTF-8, one newline at the end."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.settings")
    import django

    django.setup()
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
