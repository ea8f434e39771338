"""Finding published services and bundles by words, department and audience.

Every word the person types must appear in the name or the description, in Chinese or English,
ignoring case. The catalogue of a city holds hundreds of services, not millions, so a
case-insensitive ``LIKE`` over the published versions is quick on SQLite and PostgreSQL alike and
needs nothing installed; Chinese has no spaces, so a word like 居住证 matches inside 居住证换领.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from yiwang.catalogue import selectors as catalogue
from yiwang.catalogue.constants import Audience

if TYPE_CHECKING:
    from yiwang.catalogue.models import BundleVersion, ServiceVersion

# Enough for any real query; more words would only slow the query down.
MAX_TERMS = 8
MAX_TERM_LENGTH = 50
MAX_QUERY_LENGTH = 200

AUDIENCES = (Audience.PERSON, Audience.FIRM)


def terms_of(query: str) -> list[str]:
    words = [w[:MAX_TERM_LENGTH] for w in (query or "").split() if w]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _matching(terms: list[str]) -> Q:
    condition = Q()
    for term in terms:
        condition &= (
            Q(name_zh__icontains=term)
            | Q(name_en__icontains=term)
            | Q(definition__description__zh__icontains=term)
            | Q(definition__description__en__icontains=term)
        )
    return condition


def find_services(
    query: str = "", *, department: str | None = None, audience: str | None = None
) -> QuerySet[ServiceVersion]:
    versions = catalogue.published_services(department_code=department, audience=audience)
    return versions.filter(_matching(terms_of(query)))


def find_bundles(query: str = "", *, audience: str | None = None) -> QuerySet[BundleVersion]:
    versions = catalogue.published_bundles()
    if audience:
        versions = versions.filter(audience__in=[audience, Audience.BOTH])
    return versions.filter(_matching(terms_of(query)))


def department_codes_with_services() -> list[str]:
    codes = catalogue.published_services().values_list("department_code", flat=True)
    return sorted(set(codes))
