"""What the application models share: a name shown in the active language."""

from __future__ import annotations

from django.utils.translation import get_language


def bilingual(zh: str, en: str) -> str:
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh
