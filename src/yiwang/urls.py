from django.contrib import admin
from django.urls import include, path

# Prefixed includes first: a request is matched against the patterns in order, and the portal's
# many patterns at the root would otherwise be tried before every API and back-office request.
urlpatterns = [
    path("api/", include("yiwang.api.urls")),
    path("backoffice/", include("yiwang.backoffice.urls")),
    path("", include("yiwang.portal.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("yiwang.audit.urls")),
    path("", include("yiwang.core.urls")),
]

# A request the site cannot read: said with the site's shell and, for one too large, why.
handler400 = "yiwang.core.views.bad_request"
