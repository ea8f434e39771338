"""Login, logout, password reset and change for staff; in the ``backoffice`` namespace."""

from django.urls import path

from yiwang.identity import views
from yiwang.identity.constants import Realm

urlpatterns = [
    path("login/", views.BackofficeLoginView.as_view(), name="login"),
    path("logout/", views.BackofficeLogoutView.as_view(), name="logout"),
    path("password-reset/", views.BackofficePasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.RealmPasswordResetDoneView.as_view(realm=Realm.BACKOFFICE),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.RealmPasswordResetConfirmView.as_view(realm=Realm.BACKOFFICE),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.RealmPasswordResetCompleteView.as_view(realm=Realm.BACKOFFICE),
        name="password_reset_complete",
    ),
    path("password/", views.BackofficePasswordChangeView.as_view(), name="password_change"),
]
