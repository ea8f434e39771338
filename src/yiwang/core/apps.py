from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from yiwang.core import checks  # noqa: F401  # registers yiwang's system checks
