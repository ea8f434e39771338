"""Paths inside definition files, written as people read them and read back."""

from __future__ import annotations

import pytest

from yiwang.core.definition_files import format_path, split_path


@pytest.mark.parametrize(
    "parts",
    [
        ("process", "stages", 1, "steps", 0, "role"),
        ("registries", 0, "connector", "fields", "national_id"),
        ("form", "properties", "名称", "title"),
        ("masking", "a.b", 2, 'say "hi"'),
        (0,),
        (),
    ],
)
def test_a_written_path_reads_back_as_its_parts(parts: tuple[str | int, ...]) -> None:
    assert split_path(format_path(parts)) == parts


@pytest.mark.parametrize("text", ["fields[", "a..b", "a b", "[x]"])
def test_text_that_is_not_a_path_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a path"):
        split_path(text)
