"""Why a correction (补正) asks for what the clerk did not choose: a changed answer made a field
required or a document needed (see :func:`yiwang.applications.domain.correction_scope`). The
correction page says so beside the field or the upload, in the person's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.portal.forms import display_answer
from yiwang.portal.text import pick


def changed_answer(spec: Any, scope: Any, cause: str) -> tuple[str, dict[str, str]]:
    """How a changed answer is named in a reason: left empty ("empty"), a choice ("chose", with
    the answer chosen) or any other answer ("answered")."""
    schema = spec.fields.get(cause, {})
    values = {"question": pick(schema.get("x-title")) or cause}
    answer = scope.answers.get(cause)
    if answer is None:
        return "empty", values
    if isinstance(schema.get("enum"), list) or schema.get("type") == "boolean":
        return "chose", {**values, "answer": display_answer(schema, answer)}
    return "answered", values


def fields_opened_by_rules(spec: Any, scope: Any) -> list[str]:
    """Why fields the clerk did not choose are asked: "Because you chose “By post” for “How to
    receive the card”, please also answer “Postal address”." One sentence per changed answer."""
    fields = spec.fields

    def title(name: str) -> str:
        return pick(fields.get(name, {}).get("x-title")) or name

    said: list[str] = []
    told: set[str] = set()
    causes = dict.fromkeys(c for name in scope.required for c in scope.because.get(name, ()))
    for cause in causes:
        names = [n for n in scope.required if cause in scope.because.get(n, ()) and n not in told]
        if not names:
            continue
        told.update(names)
        kind, values = changed_answer(spec, scope, cause)
        values["fields"] = _(", ").join(f"“{title(n)}”" for n in names)
        text = {
            "empty": _("Because you left “%(question)s” empty, please also answer %(fields)s."),
            "chose": _(
                "Because you chose “%(answer)s” for “%(question)s”, please also answer %(fields)s."
            ),
            "answered": _("Because you answered “%(question)s”, please also answer %(fields)s."),
        }[kind]
        said.append(text % values)
    return said


def materials_opened_by_rules(spec: Any, scope: Any) -> dict[str, str]:
    """Why each document the clerk did not choose is asked for, by material code, named after
    the first changed answer that needs it: "Because you chose “Yes” for “Will you sell
    alcohol?”, please also upload this document." """
    reasons: dict[str, str] = {}
    for code in scope.materials:
        causes = scope.materials_because.get(code, ())
        if not causes:
            continue
        kind, values = changed_answer(spec, scope, causes[0])
        text = {
            "empty": _("Because you left “%(question)s” empty, please also upload this document."),
            "chose": _(
                "Because you chose “%(answer)s” for “%(question)s”, please also upload this "
                "document."
            ),
            "answered": _(
                "Because you changed your answer to “%(question)s”, please also upload this "
                "document."
            ),
        }[kind]
        reasons[code] = text % values
    return reasons
