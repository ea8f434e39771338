"""The language of the command line's messages, for the commands that check definition files.

An operator who writes definition files reads what is wrong with them in their own language:
``--language zh-hans`` or ``--language en``, and without it the language of their locale, the
way other command-line programs choose (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer

# The variables a POSIX program reads for the language of its messages, strongest first.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class Language(enum.StrEnum):
    ZH_HANS = "zh-hans"
    EN = "en"


LanguageOption = Annotated[
    Language | None,
    typer.Option(
        "--language",
        case_sensitive=False,
        help="Language of the messages: zh-hans or en. Default: the locale's "
        "(LC_ALL, LC_MESSAGES or LANG), Chinese for zh*, otherwise English.",
        show_default=False,
    ),
]


def locale_language(environ: Mapping[str, str] | None = None) -> Language:
    """The language of the operator's locale: Chinese for ``zh*`` (``zh_CN.UTF-8``,
    ``zh_TW``), English for anything else, including no locale at all or ``C``."""
    variables = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = variables.get(name, "")
        if value:
            # The first one set decides, as for every other program: LC_ALL=C means English.
            return Language.ZH_HANS if value.lower().startswith("zh") else Language.EN
    return Language.EN


@contextmanager
def messages_in(language: Language | str | None) -> Iterator[None]:
    """Run the body with ``language`` active, or the locale's when the operator chose none."""
    from django.utils import translation

    with translation.override(str(language or locale_language())):
        yield


def print_problems(problems: list[Any]) -> None:
    """One line per problem on stderr, then the count, in the active language."""
    from django.utils.translation import ngettext

    for problem in problems:
        typer.echo(str(problem), err=True)
    count = len(problems)
    summary = ngettext(
        "%(count)d problem; nothing was written.",
        "%(count)d problems; nothing was written.",
        count,
    )
    typer.echo(summary % {"count": count}, err=True)
