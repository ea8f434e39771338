"""Compile the translation catalogues before a test run when a ``.po`` is newer than its ``.mo``.

The ``.mo`` files are build output (not committed); without this, a fresh checkout's first
``pytest`` would test the pages in English msgids only, whatever language they ask for.
"""

from __future__ import annotations

import pytest

from yiwang.core.messages import LOCALE_DIR, compile_all


def catalogues_are_stale() -> bool:
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            return True
    return False


def pytest_sessionstart(session: pytest.Session) -> None:
    if catalogues_are_stale():
        compile_all()
