"""What every demo load shares: no loading in production, the loading actor, audit events."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from yiwang.core.errors import YiwangError

DEFAULT_SEED = 2026


class DemoRefusedError(YiwangError):
    """The demo world must never be loaded into a production database."""


def demo_actor() -> Any:
    from yiwang.audit.actors import system_actor

    return system_actor("demo-loader")


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise DemoRefusedError(
            "The demo world has published passwords and fictional people; it is never loaded "
            "with YIWANG_PRODUCTION on. Use a separate, non-production data directory or "
            "database for the demo."
        )


def _record(**kwargs: Any) -> Any:
    from yiwang.audit.services import record_event

    return record_event(**kwargs)
