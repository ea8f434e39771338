from django.urls import include, path

from yiwang.backoffice.views import home

app_name = "backoffice"
urlpatterns = [
    path("", home.home, name="home"),
    # Log-in and log-out (backoffice:login, backoffice:logout) come from the identity app.
    path("", include("yiwang.identity.urls_backoffice")),
]
