"""Login, logout, password reset and change for citizens; in the ``portal`` namespace."""

from django.urls import path

from yiwang.identity import views
from yiwang.identity.constants import Realm

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("password-reset/", views.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.RealmPasswordResetDoneView.as_view(realm=Realm.PORTAL),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.RealmPasswordResetConfirmView.as_view(realm=Realm.PORTAL),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.RealmPasswordResetCompleteView.as_view(realm=Realm.PORTAL),
        name="password_reset_complete",
    ),
    path("my/password/", views.PortalPasswordChangeView.as_view(), name="password_change"),
]
