"""The exchange loader explains a schema mistake in the operator's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.core.tests.test_definition_file_reasons import run
from yiwang.exchange.models import DataElement


@pytest.mark.django_db
def test_exchange_load_explains_a_too_long_name_in_the_chosen_language(tmp_path: Path) -> None:
    path = tmp_path / "elements.yaml"
    path.write_text(
        "elements:\n"
        "  - code: licence_number\n"
        f"    name: {{zh: 许可证号, en: {'Licence number ' * 14}}}\n"
        "    type: string\n"
        "    classification: public\n"
        "    personal: false\n",
        encoding="utf-8",
    )

    chinese = run("exchange", "load", "--language", "zh-Hans", str(path))
    english = run("exchange", "load", "--language", "en", str(path))

    assert chinese.exit_code == english.exit_code == 1
    assert "elements.yaml: elements[0].name.en: 太长：最多 200 个字符（第 3 行）" in chinese.output
    assert "1 个问题；未写入任何内容。" in chinese.output
    assert (
        "elements.yaml: elements[0].name.en: is too long: at most 200 characters (line 3)"
        in english.output
    )
    assert "1 problem; nothing was written." in english.output
    assert not DataElement.objects.exists()
