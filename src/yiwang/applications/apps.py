from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "yiwang.applications"
    label = "applications"
    verbose_name = _("Applications and cases")

    def ready(self) -> None:
        # Agreements that say "only for an open case of that person" accept a live application
        # of the person involving the reading department (see prefill.check_open_case).
        from yiwang.applications.prefill import check_open_case
        from yiwang.exchange.hooks import register_case_checker

        register_case_checker(check_open_case)
