"""Definition files are read with libyaml where it is installed; the result, and every message
about a broken file, must be what the pure-Python loader gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

import yiwang
from yiwang.core import definition_files
from yiwang.core.definition_files import UnreadableFile, parse_yaml

pytestmark = pytest.mark.skipif(
    definition_files._FastLoader is None, reason="PyYAML is installed without libyaml"
)

SOURCE = Path(yiwang.__file__).resolve().parent
EVERY_YAML_FILE = sorted(SOURCE.rglob("*.yaml"))


def _pure(text: str, name: str = "f.yaml") -> definition_files.Document:
    return definition_files._parse_with(definition_files._Loader, text, name)


def _fast(text: str, name: str = "f.yaml") -> definition_files.Document:
    assert definition_files._FastLoader is not None
    return definition_files._parse_with(definition_files._FastLoader, text, name)


def test_there_are_files_to_compare() -> None:
    assert len(EVERY_YAML_FILE) > 20


@pytest.mark.parametrize(
    "path", EVERY_YAML_FILE, ids=lambda p: str(p.relative_to(SOURCE)).replace("/", ":")
)
def test_every_yaml_file_of_the_platform_reads_the_same_with_both_loaders(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        expected = _pure(text)
    except UnreadableFile as exc:  # a broken file kept for a test: the same problem either way
        with pytest.raises(UnreadableFile) as fast:
            parse_yaml(text, "f.yaml")
        assert fast.value.problem == exc.problem
        return
    found = _fast(text)
    assert found.data == expected.data
    assert found.lines == expected.lines


def test_scalars_follow_the_core_schema_with_both_loaders() -> None:
    text = (
        "yes: yes\non: on\nclock: 1:20\nday: 2026-01-01\noctal: 0o17\ninf: .inf\n"
        "t: true\nhex: 0x1F\nn: -12\nx: 1.5\ne: 1e3\nnothing: null\n"
    )
    expected = {
        "yes": "yes",
        "on": "on",
        "clock": "1:20",
        "day": "2026-01-01",
        "octal": "0o17",
        "inf": ".inf",
        "t": True,
        "hex": 31,
        "n": -12,
        "x": 1.5,
        "e": 1000.0,
        "nothing": None,
    }
    assert _pure(text).data == expected
    assert _fast(text).data == expected
    assert parse_yaml(text, "f.yaml").lines[("day",)] == 4


@pytest.mark.parametrize(
    "text",
    [
        "kind: service\ncode: [\n",
        "kind: service\n\tcode: x\n",
        "a: 1\nb:\n  c: 2\n  c: 3\n",
        "a: 1\na: 2\n",
        "1: one\n",
        "[1, 2]: pair\n",
        "a: 1\n---\nb: 2\n",
        "a: !secret x\n",
        "a: 'unclosed\n",
        "a: b: c\n",
        "a: \x07\n",
        "- a\nb: c\n",
        "a: *missing\n",
    ],
    ids=[
        "unclosed-flow",
        "tab",
        "nested-repeat",
        "repeat",
        "number-key",
        "sequence-key",
        "two-documents",
        "tag",
        "unclosed-quote",
        "colon-in-plain",
        "control-character",
        "sequence-then-mapping",
        "unknown-alias",
    ],
)
def test_a_broken_file_gets_the_pure_loaders_message(text: str) -> None:
    with pytest.raises(UnreadableFile) as expected:
        _pure(text)
    with pytest.raises(UnreadableFile) as found:
        parse_yaml(text, "f.yaml")
    assert found.value.problem == expected.value.problem
    assert found.value.problem.file == "f.yaml"


def test_libyaml_alone_words_a_tab_differently() -> None:
    # Why a refused file is read again: the hint about tabs needs the pure loader's wording.
    with translation.override("en"):
        with pytest.raises(UnreadableFile) as fast:
            _fast("kind: service\n\tcode: x\n")
        assert "indent with spaces" not in fast.value.problem.reason
        with pytest.raises(UnreadableFile) as found:
            parse_yaml("kind: service\n\tcode: x\n", "f.yaml")
    assert "(indent with spaces: YAML does not allow tabs)" in found.value.problem.reason


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_control_character_is_named_with_its_line_and_column(language: str) -> None:
    with translation.override(language), pytest.raises(UnreadableFile) as found:
        parse_yaml("kind: service\ncode: ab\x07c\n", "f.yaml")
    reason = found.value.problem.reason
    assert "U+0007" in reason
    if language == "en":
        assert "line 2, column 9 is not allowed in a YAML file" in reason
    else:
        assert "第 2 行第 9 列" in reason
