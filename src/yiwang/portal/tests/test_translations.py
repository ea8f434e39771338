"""The Simplified Chinese catalogue is complete and in step with the code.

Strings are extracted the way ``makemessages`` does (Django's own ``templatize`` for templates),
but read with Babel, so the check needs no GNU gettext on the machine.
"""

from __future__ import annotations

import gettext
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

import yiwang
from yiwang.core.messages import compile_all

SOURCE = Path(yiwang.__file__).resolve().parent
LOCALE = SOURCE / "locale"
LANGUAGES = ["zh_Hans", "en"]

# Django's translation functions on top of Babel's defaults (which know gettext, ngettext, _ ...).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
SKIPPED_DIRS = {"tests", "testing", "migrations", "locale", "__pycache__"}

Key = tuple[str | None, str]


def catalogue(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as fh:
        return read_po(fh, locale=language)


def _source_files() -> Iterator[Path]:
    for path in sorted(SOURCE.rglob("*")):
        relative = path.relative_to(SOURCE)
        if SKIPPED_DIRS & set(relative.parts[:-1]) or not path.is_file():
            continue
        if path.suffix == ".py" or (
            path.suffix in {".html", ".txt"} and "templates" in relative.parts
        ):
            yield path


def used_messages() -> dict[Key, str]:
    """Every translatable string in the code: ``(context, msgid) -> where it is used``."""
    found: dict[Key, str] = {}
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            text = templatize(text, origin=str(path))
        for lineno, message, _comments, context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((context, msgid), f"{path.relative_to(SOURCE)}:{lineno}")
    return found


def test_extraction_finds_strings_in_python_and_templates() -> None:
    used = used_messages()
    # One from a template's {% translate %}, one from a blocktranslate, one from Python.
    assert (None, "Skip to main content") in used
    assert (None, "Welcome, %(name)s") in used
    assert (None, "Look into unusual access to personal data.") in used


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_code_is_in_the_catalogue(language: str) -> None:
    known = {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalogue(language)
        if message.id
    }
    missing = {key: where for key, where in used_messages().items() if key not in known}
    assert not missing, (
        f"{len(missing)} string(s) missing from {language}/LC_MESSAGES/django.po; run "
        "`cd src/yiwang && django-admin makemessages -l zh_Hans -l en "
        "--settings=yiwang.conf.settings` and translate them:\n"
        + "\n".join(
            f"  {where}: {msgid!r}"
            for (_ctx, msgid), where in sorted(missing.items(), key=lambda i: i[1])
        )
    )


def test_chinese_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    problems = []
    for message in catalogue("zh_Hans"):
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_chinese_translations_keep_every_placeholder() -> None:
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in catalogue("zh_Hans").check()
    ]
    assert not problems, "\n".join(problems)


def test_catalogues_compile_and_translate(tmp_path: Path) -> None:
    shutil.copytree(LOCALE, tmp_path / "locale")
    written = compile_all(tmp_path / "locale")
    assert {p.parent.parent.name for p in written} == set(LANGUAGES)
    mo = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("Skip to main content") == "跳到主要内容"
    assert translations.gettext("There is a problem") == "出现了问题"
