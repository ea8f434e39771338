"""Apply migrations with a progress report instead of Django's line-per-migration output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.core.management.commands import migrate as django_migrate
from django.db import connections
from django.db.migrations.executor import MigrationExecutor


def pending(database: str = "default") -> list[str]:
    """Names (``app.migration``) of the migrations not yet applied, in the order they will be."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class _ProgressMigrate(django_migrate.Command):
    def __init__(self, on_applied: Callable[[str], None]) -> None:
        super().__init__()
        self._on_applied = on_applied

    def migration_progress_callback(
        self, action: str, migration: Any = None, fake: bool = False
    ) -> None:
        if action == "apply_success":
            self._on_applied(f"{migration.app_label}.{migration.name}")


def apply(*, on_applied: Callable[[str], None], database: str = "default") -> None:
    """Run Django's migrate quietly, calling ``on_applied`` after each migration.

    The system checks are skipped here because ``yiwang check`` warns about unapplied
    migrations, which is exactly what this is about to apply.
    """
    call_command(
        _ProgressMigrate(on_applied),
        database=database,
        interactive=False,
        verbosity=0,
        skip_checks=True,
    )
