from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "yiwang.demo"
    label = "demo"
    verbose_name = _("Demo world")

    def ready(self) -> None:
        from yiwang.demo import checks  # noqa: F401  # registers the demo-logins check
