"""A city's theme directory replaces the built-in theme file (docs/theming.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIND_THEME = (
    "import django; django.setup();"
    "from django.contrib.staticfiles import finders;"
    "print(finders.find('yiwang/css/theme.css'))"
)


def find_theme_css(tmp_path: Path, theme_dir: Path | None) -> Path:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yiwang.conf.settings"}
    env["YIWANG_DATA_DIR"] = str(tmp_path / "data")
    env.pop("YIWANG_THEME_DIR", None)
    if theme_dir is not None:
        env["YIWANG_THEME_DIR"] = str(theme_dir)
    result = subprocess.run(
        [sys.executable, "-c", FIND_THEME], env=env, capture_output=True, text=True, check=True
    )
    return Path(result.stdout.strip().splitlines()[-1])


def test_theme_directory_file_wins_over_the_built_in_one(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "yiwang" / "css").mkdir(parents=True)
    override = theme / "yiwang" / "css" / "theme.css"
    override.write_text(":root { --color-header-background: #8a1c1c; }\n")
    assert find_theme_css(tmp_path, theme) == override


def test_without_a_theme_directory_the_built_in_theme_is_used(tmp_path: Path) -> None:
    found = find_theme_css(tmp_path, None)
    assert found.parts[-4:] == ("static", "yiwang", "css", "theme.css")
    assert found.parent.parent.parent.parent.name == "yiwang"
