"""The path through an application's pages: which pages apply, and what comes before and after.

A bundle's form has the pages of every service in it. A page of a service that does not apply to
this person (its condition in the bundle is false for their answers, e.g. the employer's social
insurance when they hire nobody) is skipped, unless it asks something another applying service
requires. A bundle page's id is ``<service code>.<page id>``, which says whose page it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from yiwang.portal.forms import Question, questions_for


def _owner(page_id: str) -> str | None:
    return page_id.split(".", 1)[0] if "." in page_id else None


def page_applies(spec: Any, page: Any, data: Mapping[str, Any]) -> bool:
    owner = _owner(page.id)
    if owner is None:
        return True
    if owner in spec.services_applying(data):
        return True
    required = set(spec.required_fields(data))
    return any(name in required for name in page.fields)


def pages_applying(spec: Any, data: Mapping[str, Any]) -> list[Any]:
    return [p for p in spec.pages if page_applies(spec, p, data)]


def page_questions(spec: Any, page: Any, data: Mapping[str, Any]) -> list[Question]:
    return questions_for(
        page.fields, spec.fields, spec.required_fields(data), spec.sometimes_required
    )


@dataclass(frozen=True)
class Position:
    """Where the pages before and after a page are, among the pages that apply."""

    previous_url: str
    next_url: str


def page_url(application_pk: int, page_id: str) -> str:
    return reverse("portal:apply_page", args=[application_pk, page_id])


def materials_url(application_pk: int) -> str:
    return reverse("portal:apply_materials", args=[application_pk])


def check_url(application_pk: int) -> str:
    return reverse("portal:apply_check", args=[application_pk])


def after_pages_url(spec: Any, application_pk: int) -> str:
    """Where the person goes after the last page: uploads if the form has any, else checking."""
    return materials_url(application_pk) if spec.all_materials else check_url(application_pk)


def position(spec: Any, application_pk: int, page_id: str, data: Mapping[str, Any],
             start_url: str) -> Position:  # fmt: skip
    pages = pages_applying(spec, data)
    ids = [p.id for p in pages]
    if page_id not in ids:
        # A page that does not apply now (answers changed): place it by the full order.
        all_ids = [p.id for p in spec.pages]
        index = all_ids.index(page_id)
        before = [p for p in pages if all_ids.index(p.id) < index]
        after = [p for p in pages if all_ids.index(p.id) > index]
    else:
        index = ids.index(page_id)
        before, after = pages[:index], pages[index + 1 :]
    previous_url = page_url(application_pk, before[-1].id) if before else start_url
    next_url = (
        page_url(application_pk, after[0].id) if after else after_pages_url(spec, application_pk)
    )
    return Position(previous_url, next_url)
