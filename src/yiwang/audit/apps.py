from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yiwang.audit"
    label = "audit"
    verbose_name = "Audit"
