from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.portal.urls")),
    path("backoffice/", include("yiwang.backoffice.urls")),
    path("api/", include("yiwang.api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("yiwang.audit.urls")),
    path("", include("yiwang.core.urls")),
]
