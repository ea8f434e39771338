"""Definition texts in the reader's language.

Service and bundle definitions carry every text people see as ``{"zh": ..., "en": ...}``. The
portal shows the one that matches the active language and falls back to the other, so a page is
never blank because one translation is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yiwang.core.language import is_english

__all__ = ["is_english", "pick"]


def pick(text: Any) -> str:
    """The text of a ``{"zh", "en"}`` mapping for the active language (plain strings pass)."""
    if text is None:
        return ""
    if not isinstance(text, Mapping):
        return str(text)
    first, second = ("en", "zh") if is_english() else ("zh", "en")
    return str(text.get(first) or text.get(second) or "")


def number(value: Any) -> str:
    """A number as people write it: 10.0 is "10", 2.5 stays "2.5"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SENTENCE_ENDS = (".", "。", "!", "！", "?", "？", ")", "）")


def sentence(text: str) -> str:
    """Text ending as a sentence, so hints built from parts read as sentences in both languages."""
    text = (text or "").strip()
    if not text or text.endswith(_SENTENCE_ENDS):
        return text
    return text + ("." if is_english() else "。")


def sentences(*parts: str) -> str:
    joiner = " " if is_english() else ""
    return joiner.join(sentence(p) for p in parts if p and p.strip())
