"""Django's admin app, with yiwang's role-scoped admin site as the default site."""

from django.contrib.admin.apps import AdminConfig


class YiwangAdminConfig(AdminConfig):
    default_site = "yiwang.identity.admin_site.YiwangAdminSite"
