from django.urls import include, path

from yiwang.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    # Log-in and log-out (backoffice:login, backoffice:logout) come from the identity app.
    path("", include("yiwang.identity.urls_backoffice")),
]
