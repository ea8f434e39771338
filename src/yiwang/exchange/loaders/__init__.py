"""Load data elements, purposes, registries and agreements from YAML definition files.

All or nothing: every file is read by the rules every definition file follows
(yiwang.core.definition_files: YAML 1.2 plain values, a repeated key refused) and checked against
its committed JSON Schema first, then each kind is checked against the database in order
(elements, purposes, registries, agreements) inside one transaction. Any problem — named by file,
path inside the file and reason — rolls everything back. Loading the same files twice changes
nothing.

load_definitions, here, runs the steps in that order and saves purposes, which need nothing
more; files reads and checks the files; elements, registries and agreements check and save their
kind; _common holds what they share.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.errors import LoadError, LoadProblem
from yiwang.exchange import constants, policy
from yiwang.exchange.loaders._common import LoadReport, duplicates, items_of, texts, upsert
from yiwang.exchange.loaders.agreements import load_agreements, terms_from
from yiwang.exchange.loaders.elements import element_fields, element_problems
from yiwang.exchange.loaders.files import KEYS, SCHEMA_DIR, SCHEMAS, expand, parse
from yiwang.exchange.loaders.registries import registry_problems, save_registry
from yiwang.exchange.models import DataElement, Purpose
from yiwang.exchange.services._common import record

__all__ = ["SCHEMAS", "SCHEMA_DIR", "LoadReport", "load_definitions", "terms_from"]


def load_definitions(
    paths: Iterable[str | Path],
    *,
    actor: Any = None,
    approve_as: Iterable[str] = (),
    dry_run: bool = False,
) -> LoadReport:
    """Load definition files (or directories of them). Raises LoadError, changing nothing.

    ``approve_as`` names accounts that approve every agreement loaded (or still requested) on
    behalf of its provider: for each agreement one of them must be a data officer of the
    department owning the registry. Without it agreements are loaded as requested.
    ``dry_run`` checks everything, including against the database, and rolls back.
    """
    if actor is None:
        from yiwang.audit.actors import SYSTEM

        actor = SYSTEM
    files, problems = expand(paths)
    if not files and not problems:
        raise LoadError([LoadProblem("", "", _("no definition files given"))])
    docs, found = parse(files)
    problems.extend(found)
    usernames = list(dict.fromkeys(approve_as))
    accounts = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    for name in sorted(set(usernames) - {a.get_username() for a in accounts}):
        problems.append(LoadProblem("--approve-as", name, _("no active account with this name")))
    if problems:
        raise LoadError(problems)
    by_kind = {kind: [d for d in docs if d.kind == kind] for kind in set(KEYS.values())}
    report = LoadReport(files=[d.file for d in docs])
    with transaction.atomic():
        # Elements.
        items = list(items_of(by_kind["elements"], "elements"))
        problems = duplicates(items)
        for doc, path, item in items:
            problems.extend(element_problems(doc, path, item))
        if problems:
            raise LoadError(problems)
        for doc, _path, item in items:
            _obj, outcome = upsert(DataElement, item["code"], element_fields(doc, item))
            report.note("elements", outcome, item["code"])
        # Purposes.
        items = list(items_of(by_kind["agreements"], "purposes"))
        problems = duplicates(items)
        if problems:
            raise LoadError(problems)
        for doc, _path, item in items:
            description_zh, description_en = texts(item, "description")
            _obj, outcome = upsert(
                Purpose,
                item["code"],
                {
                    "name_zh": item["name"]["zh"],
                    "name_en": item["name"]["en"],
                    "description_zh": description_zh,
                    "description_en": description_en,
                    "source_file": doc.file,
                },
            )
            report.note("purposes", outcome, item["code"])
        # Registries.
        items = list(items_of(by_kind["registries"], "registries"))
        problems = duplicates(items)
        for doc, path, item in items:
            problems.extend(registry_problems(doc, path, item))
        if problems:
            raise LoadError(problems)
        for doc, _path, item in items:
            save_registry(doc, item, report)
        if report.changed:
            # Registries and purposes are part of every process's cached snapshot.
            policy.bump()
        problems = load_agreements(by_kind["agreements"], accounts, actor, report)
        if problems:
            raise LoadError(problems)
        if report.changed:
            record(
                actor=actor,
                action=constants.ACTION_DEFINITIONS_LOADED,
                object_type="exchange_definitions",
                object_id="",
                data={
                    "files": report.files,
                    "created": report.created,
                    "updated": report.updated,
                    "approved": report.approved,
                },
            )
        if dry_run:
            transaction.set_rollback(True)
    return report
