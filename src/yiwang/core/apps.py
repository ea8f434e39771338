from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    # The app's own configuration, though this module holds another (TasksDatabaseConfig):
    # without ``default``, Django would use a bare AppConfig and never call ready().
    default = True
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from yiwang.core import checks  # noqa: F401  # registers yiwang's system checks
        from yiwang.core.form_fields import refuse_control_characters_everywhere

        refuse_control_characters_everywhere()


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db, under a name its admin pages show in the reader's language."""

    verbose_name = _("Background tasks")  # type: ignore[assignment]  # Django takes lazy text
