"""The reader's language, as the platform's two-language texts need it."""

from __future__ import annotations

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def is_english() -> bool:
    """True when the active language is English; everything else reads Chinese (the default)."""
    return (get_language() or "zh-hans").lower().startswith("en")


def pick(zh: str, en: str) -> str:
    """The English text for an English reader when there is one; otherwise the Chinese."""
    return en if is_english() and en else zh


def pick_marked(zh: str, en: str) -> SafeString:
    """:func:`pick` as HTML: Chinese shown on an English page (there is no English) is marked
    ``lang="zh-Hans"``, so a screen reader reads it in Chinese rather than spelling it out."""
    if is_english() and not en and zh:
        return format_html('<span lang="zh-Hans">{}</span>', zh)
    return conditional_escape(pick(zh, en))


def list_separator() -> str:
    """What goes between the items of a list in running text: 、 in Chinese, a comma in English."""
    return ", " if is_english() else "、"


def in_running_text(label: str) -> str:
    """A label (a status, a state) as it reads inside a sentence: "Being worked on" becomes
    "being worked on"; Chinese is unchanged."""
    text = str(label)
    return text[:1].lower() + text[1:]
