from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "yiwang.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
