"""Template helpers for the page shell and for accessible form fields.

Load with ``{% load yiwang %}``. The form helpers are what ``includes/field.html`` and
``includes/error_summary.html`` are built on; pages normally use those includes, not these tags.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.conf import settings
from django.forms.boundfield import BoundField
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language

from yiwang.core.context_processors import html_lang as _html_lang
from yiwang.core.context_processors import site_name_for
from yiwang.core.language import list_separator, pick, pick_marked
from yiwang.core.middleware import current_request_id

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    """The ``lang`` attribute value for the active language; works without a request context."""
    return _html_lang(get_language())


@register.simple_tag
def site_name() -> str:
    """The site name in the active language; works without a request context (500 page)."""
    return site_name_for(get_language())


@register.filter
def bcp47(language_code: str) -> str:
    """``{{ code|bcp47 }}``: a Django language code as a ``lang`` attribute value."""
    return _html_lang(language_code)


def _names(thing: Any) -> tuple[str, str]:
    zh = getattr(thing, "name_zh", None)
    if zh is None:
        zh = getattr(thing, "name", "")
    return str(zh or ""), str(getattr(thing, "name_en", "") or "")


@register.filter
def local_name(thing: Any) -> SafeString:
    """``{{ firm|local_name }}``: the name of anything with a Chinese ``name`` (or ``name_zh``)
    and an optional ``name_en``, in the active language; Chinese shown on an English page is
    marked ``lang="zh-Hans"``. For a page's <title>, which holds no markup, use
    ``local_name_text``."""
    if thing is None or thing == "":
        return SafeString("")
    return pick_marked(*_names(thing))


# Chinese in an English sentence (a term like 补正 given beside its translation), and English
# words in a Chinese one (an example search such as "residence permit").
_CHINESE_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ '-]+[A-Za-z]+)*")


@register.filter(needs_autoescape=True)
def language_parts(text: Any, autoescape: bool = True) -> SafeString:
    """``{{ message|language_parts }}``: the text with each run of the other language marked
    with its ``lang``, so that a screen reader reads 补正 in an English sentence in Chinese
    instead of spelling it out (WCAG 2.1, 3.1.2). Text that is already HTML is left as it is."""
    # HTML (markup, or an entity) is not to be cut into. Text marked safe with neither, as
    # {% translate "…" as name %} gives, is marked like any other: escaping leaves it as it is.
    if isinstance(text, SafeData) and ("<" in str(text) or "&" in str(text)):
        return SafeString(text)
    text = "" if text is None else str(text)
    english = (get_language() or settings.LANGUAGE_CODE).lower().startswith("en")
    pattern, lang = (_CHINESE_RUN, "zh-Hans") if english else (_ENGLISH_RUN, "en")
    escape = conditional_escape if autoescape else str
    parts: list[str] = []
    start = 0
    for run in pattern.finditer(text):
        parts.append(str(escape(text[start : run.start()])))
        parts.append(format_html('<span lang="{}">{}</span>', lang, run.group()))
        start = run.end()
    parts.append(str(escape(text[start:])))
    return mark_safe("".join(parts))  # noqa: S308  # every part escaped above


@register.filter
def local_name_text(thing: Any) -> str:
    """``local_name`` as plain text, for places that hold no markup (a page's <title>)."""
    if thing is None or thing == "":
        return ""
    return pick(*_names(thing))


@register.filter
def join_list(items: Iterable[Any]) -> SafeString:
    """``{{ names|join_list }}``: the items in running text, each once, joined as the active
    language lists things (、 in Chinese, a comma in English)."""
    shown = dict.fromkeys(str(conditional_escape(i)) for i in items or () if i not in (None, ""))
    return mark_safe(list_separator().join(shown))  # noqa: S308 - each item is escaped above


@register.filter
def field_kind(field: BoundField) -> str:
    """How ``includes/field.html`` lays a field out.

    ``choices``: radio buttons or check boxes answering one question, in a fieldset whose legend is
    the question. ``group``: any other control made of several inputs (split dates), also in a
    fieldset. ``checkbox``: one check box with its label after it. ``hidden``: rendered bare.
    ``single``: one control with its label above it.
    """
    widget = field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple is a RadioSelect too
        return "choices"
    if widget.use_fieldset:
        return "group"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "single"


@register.filter
def field_anchor(field: BoundField) -> str:
    """The element id the error summary links to: the control itself, or a group's first input."""
    widget = field.field.widget
    auto_id = field.auto_id or f"id_{field.html_name}"
    if isinstance(widget, forms.MultiWidget):
        return field.field.widget.id_for_label(auto_id) or f"{auto_id}_0"
    if widget.use_fieldset:
        return f"{auto_id}_0"
    return field.id_for_label or auto_id


@register.filter
def hint_id(field: BoundField) -> str:
    return f"{field.auto_id or field.html_name}-hint"


@register.filter
def error_id(field: BoundField) -> str:
    return f"{field.auto_id or field.html_name}-error"


@register.simple_tag
def describedby(field: BoundField, hint: str = "") -> str:
    """Space-separated ids of the hint and the error message that describe ``field``."""
    ids = []
    if hint or field.help_text:
        ids.append(hint_id(field))
    if field.errors:
        ids.append(error_id(field))
    return " ".join(ids)


@register.simple_tag
def render_widget(field: BoundField, hint: str = "") -> SafeString:
    """The field's widget, described by its hint and error, marked invalid when it has errors.

    Django only points ``aria-describedby`` at the help text; people using a screen reader also need
    to hear the error when they land on the control, so both ids go in, hint first.
    """
    attrs: dict[str, str | bool] = {}
    ids = describedby(field, hint)
    if ids:
        attrs["aria-describedby"] = ids
    if field.errors:
        attrs["aria-invalid"] = "true"
    widget = field.field.widget
    css = _control_class(widget)
    if css:
        existing = widget.attrs.get("class", "")
        attrs["class"] = f"{existing} {css}".strip()
    if isinstance(widget, forms.Textarea) and "maxlength" in widget.attrs:
        # A browser cuts a longer paste at maxlength without a word; the field's own check says
        # how long the text may be, beside it, and what was typed comes back whole.
        widget = copy.copy(widget)
        widget.attrs = {k: v for k, v in widget.attrs.items() if k != "maxlength"}
    return field.as_widget(widget=widget, attrs=attrs)


def _control_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "select"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file-input"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox__input"
    if isinstance(widget, forms.widgets.Input):
        return "input"
    return ""


@register.simple_tag
def request_id() -> str:
    """This request's id, which every log line of the request carries; quoted on the 500 page."""
    return current_request_id() or ""


@register.simple_tag
def other_language() -> str:
    """The first configured language that is not the active one (for bilingual error pages)."""
    active = (get_language() or settings.LANGUAGE_CODE).lower()
    for code, _name in settings.LANGUAGES:
        if code.lower() != active:
            return str(code)
    return active
