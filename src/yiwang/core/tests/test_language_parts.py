"""Text of the other language inside a sentence is marked with its language (WCAG 2.1, 3.1.2),
so a screen reader reads 补正 in Chinese on an English page and English words in English on a
Chinese one."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe


def _render(text: object, language: str) -> str:
    with translation.override(language):
        return Template("{% load yiwang %}{{ text|language_parts }}").render(
            Context({"text": text})
        )


def test_chinese_in_an_english_sentence_is_marked() -> None:
    assert _render("Ask for a correction (补正) <now>.", "en") == (
        'Ask for a correction (<span lang="zh-Hans">补正</span>) &lt;now&gt;.'
    )


def test_english_words_in_a_chinese_sentence_are_marked() -> None:
    assert _render("例如：居住证、residence permit、开店", "zh-hans") == (
        '例如：居住证、<span lang="en">residence permit</span>、开店'
    )


def test_text_of_one_language_and_html_are_left_as_they_are() -> None:
    assert (
        _render("Nothing to mark, 2026-03-31 & X.", "en") == "Nothing to mark, 2026-03-31 &amp; X."
    )
    assert _render("只有中文，末位为 X。", "zh-hans") == "只有中文，末位为 X。"
    assert _render(mark_safe("<b>补正</b>"), "en") == "<b>补正</b>"


def test_a_translated_sentence_held_by_translate_as_is_marked_too() -> None:
    with translation.override("en"):
        html = Template(
            '{% load i18n yiwang %}{% translate "Corrections asked for (补正)" as heading %}'
            "{{ heading|language_parts }}"
        ).render(Context({}))
    assert html == 'Corrections asked for (<span lang="zh-Hans">补正</span>)'
