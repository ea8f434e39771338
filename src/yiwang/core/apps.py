from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from yiwang.core import checks  # noqa: F401  # registers yiwang's system checks


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db, under a name its admin pages show in the reader's language."""

    verbose_name = _("Background tasks")  # type: ignore[assignment]  # Django takes lazy text
