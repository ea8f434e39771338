"""Generated and hand-written docs must match the code: the settings table and the demo logins."""

from __future__ import annotations

from pathlib import Path

from yiwang.conf import docs, env

SETTINGS_MD = Path(__file__).resolve().parents[3] / "docs" / "settings.md"


def test_docs_settings_md_is_up_to_date() -> None:
    assert SETTINGS_MD.read_text(encoding="utf-8") == docs.render(), (
        "docs/settings.md is out of date; regenerate it with "
        "`python -m yiwang.conf.docs > docs/settings.md`"
    )


def test_every_setting_has_a_row_and_secrets_are_marked() -> None:
    rendered = docs.render()
    for setting in env.SETTINGS:
        (row,) = [line for line in rendered.splitlines() if line.startswith(f"| `{setting.name}`")]
        assert ("| yes |" in row) == setting.secret
        assert setting.help.split(".")[0].replace("|", "\\|") in row


def test_docs_demo_md_lists_every_demo_login() -> None:
    from yiwang.demo import loader

    demo_md = (SETTINGS_MD.parent / "demo.md").read_text(encoding="utf-8")
    world = loader.read_world()
    assert f"**`{world.password}`**" in demo_md
    for login in loader.logins(world):
        assert f"| `{login.username}` |" in demo_md, login.username
    for firm in world.firms:
        assert f"`{firm.uscc}`" in demo_md
