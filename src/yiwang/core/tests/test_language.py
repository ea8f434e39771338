"""The reader's language and the platform's two-language texts."""

from __future__ import annotations

from django.utils import translation

from yiwang.core.language import is_english, pick


def test_an_english_reader_gets_the_english_text() -> None:
    with translation.override("en"):
        assert is_english()
        assert pick("人口库", "People registry") == "People registry"


def test_a_chinese_reader_gets_the_chinese_text() -> None:
    with translation.override("zh-hans"):
        assert not is_english()
        assert pick("人口库", "People registry") == "人口库"


def test_an_english_reader_gets_the_chinese_text_when_there_is_no_english() -> None:
    with translation.override("en"):
        assert pick("人口库", "") == "人口库"
