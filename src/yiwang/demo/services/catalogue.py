"""Loading and publishing the demo's service and bundle definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yiwang.demo.services._common import refuse_in_production

SERVICES_DIR = Path(__file__).resolve().parent.parent / "definitions"


def load_catalogue(*, actor: Any) -> list[str]:
    """Load and publish the demo's service and bundle definitions; return what changed.

    The catalogue's own loader does the work (all files or none, one audit event per new
    version); definitions already published with the same content are left as they are.
    """
    refuse_in_production()
    from yiwang.catalogue.services import load_definitions

    report = load_definitions([SERVICES_DIR], actor=actor, publish=True)
    return [f"{o.kind} {o.code} v{o.version} {o.action}" for o in report.changed]
