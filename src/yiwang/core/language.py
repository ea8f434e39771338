"""The reader's language, as the platform's two-language texts need it."""

from __future__ import annotations

from django.utils.translation import get_language


def is_english() -> bool:
    """True when the active language is English; everything else reads Chinese (the default)."""
    return (get_language() or "zh-hans").lower().startswith("en")


def pick(zh: str, en: str) -> str:
    """The English text for an English reader when there is one; otherwise the Chinese."""
    return en if is_english() and en else zh
