"""Notifications are tested on real workflow events, so the workflow's test world is reused."""

from yiwang.applications.tests.conftest import (  # noqa: F401 - fixtures
    _english,
    _media,
    citizen,
    clerk,
    other_citizen,
    submitted_shop,
    world,
)
