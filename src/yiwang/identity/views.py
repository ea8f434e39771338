"""Log in, log out, reset or change a password; one set of views, mounted once per realm."""

from __future__ import annotations

import math
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from yiwang.identity import forms, services
from yiwang.identity.access import BASE_TEMPLATES, CitizenRequiredMixin, StaffRequiredMixin
from yiwang.identity.backends import realm_of
from yiwang.identity.constants import PASSWORD_CHANGE_CHECK, Realm
from yiwang.identity.middleware import LOGOUT_REASON_ATTR
from yiwang.identity.models import Account

HOME_URL_NAMES = {Realm.PORTAL: "portal:home", Realm.BACKOFFICE: "backoffice:home"}


def home_url(realm: Realm) -> str:
    try:
        return reverse(HOME_URL_NAMES[realm])
    except NoReverseMatch:  # a deployment that mounts only the other half of the site
        return "/"


def realm_context(realm: Realm) -> dict[str, Any]:
    """What the identity templates need to fit into either half of the site."""
    return {
        "realm": realm,
        "base_template": BASE_TEMPLATES[realm],
        "login_url": reverse(f"{realm}:login"),
        "logout_url": reverse(f"{realm}:logout"),
        "password_reset_url": reverse(f"{realm}:password_reset"),
        "password_change_url": reverse(f"{realm}:password_change"),
        "home_url": home_url(realm),
        "session_idle_minutes": max(1, settings.SESSION_COOKIE_AGE // 60),
    }


class RealmMixin:
    # Overridden per realm, by subclass or by ``as_view(realm=...)`` in the URL conf.
    realm: Realm = Realm.PORTAL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        # Django's auth views put the request's host name into ``site_name``; the page header
        # uses that name for the platform's own, so drop it.
        context.pop("site_name", None)
        context.pop("site", None)
        context.update(realm_context(self.realm))
        return context


class RealmLoginView(RealmMixin, auth_views.LoginView):
    template_name = "identity/login.html"

    def get_default_redirect_url(self) -> str:
        return home_url(self.realm)


class PortalLoginView(RealmLoginView):
    realm = Realm.PORTAL
    form_class = forms.PortalLoginForm


class BackofficeLoginView(RealmLoginView):
    realm = Realm.BACKOFFICE
    form_class = forms.BackofficeLoginForm


class RealmLogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or image cannot log anyone out."""

    realm: Realm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_logged_in = request.user.is_authenticated
        setattr(request, LOGOUT_REASON_ATTR, "user")
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            messages.success(request, _("You have logged out."))
        return response

    def get_default_redirect_url(self) -> str:
        return reverse(f"{self.realm}:login")


class PortalLogoutView(RealmLogoutView):
    realm = Realm.PORTAL


class BackofficeLogoutView(RealmLogoutView):
    realm = Realm.BACKOFFICE


class RealmPasswordResetView(RealmMixin, auth_views.PasswordResetView):
    template_name = "identity/password_reset_form.html"
    subject_template_name = "identity/email/password_reset_subject.txt"
    email_template_name = "identity/email/password_reset_email.txt"

    def get_success_url(self) -> str:
        return reverse(f"{self.realm}:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {
            "realm": self.realm,
            "confirm_url_name": f"{self.realm}:password_reset_confirm",
            "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
        }
        return super().form_valid(form)


class PortalPasswordResetView(RealmPasswordResetView):
    realm = Realm.PORTAL
    form_class = forms.PortalPasswordResetForm


class BackofficePasswordResetView(RealmPasswordResetView):
    realm = Realm.BACKOFFICE
    form_class = forms.BackofficePasswordResetForm


class RealmPasswordResetDoneView(RealmMixin, auth_views.PasswordResetDoneView):
    template_name = "identity/password_reset_done.html"


class RealmPasswordResetConfirmView(RealmMixin, auth_views.PasswordResetConfirmView):
    template_name = "identity/password_reset_confirm.html"
    form_class = forms.ResetPasswordForm

    def get_user(self, uidb64: str) -> Any:
        # A link for a staff account opened at the portal (or the other way round) is treated
        # as an invalid link: each realm resets only its own accounts.
        # Nor does a link work for an account deactivated since it was sent: the new password
        # would be set, and could never be used.
        user = super().get_user(uidb64)
        if user is not None and (realm_of(user) != self.realm or not user.is_active):
            return None
        return user

    def get_success_url(self) -> str:
        return reverse(f"{self.realm}:password_reset_complete")


class RealmPasswordResetCompleteView(RealmMixin, auth_views.PasswordResetCompleteView):
    template_name = "identity/password_reset_complete.html"


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class RealmPasswordChangeView(RealmMixin, FormView):
    """A logged-in person changes their own password; the realm's mixin guards the door."""

    template_name = "identity/password_change.html"
    form_class = forms.ChangePasswordForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form: forms.ChangePasswordForm) -> HttpResponse:
        account = cast(Account, self.request.user)
        try:
            services.change_password(
                actor=account,
                account=account,
                current=form.cleaned_data["current_password"],
                new=form.cleaned_data["new_password1"],
                request=self.request,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Your password has been changed. Anywhere else you were logged in with this "
                "account, you have been logged out."
            ),
        )
        return redirect(home_url(self.realm))


class PortalPasswordChangeView(CitizenRequiredMixin, RealmPasswordChangeView):
    realm = Realm.PORTAL


class BackofficePasswordChangeView(StaffRequiredMixin, RealmPasswordChangeView):
    realm = Realm.BACKOFFICE


def _realm_of_request(request: HttpRequest) -> Realm:
    match = getattr(request, "resolver_match", None)
    namespace = match.namespaces[0] if match is not None and match.namespaces else ""
    if namespace == Realm.BACKOFFICE or request.path.startswith("/admin/"):
        return Realm.BACKOFFICE
    return Realm.PORTAL


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    """The page django-axes shows once a user name or a client address has failed too often.

    It says how long the lock lasts and that resetting the password is the way out sooner; it
    does not say which of the two locks (user name, or address) was hit.
    """
    realm = _realm_of_request(request)
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME * 60))
    # A wrong current password on the change-password page counts as a failed log-in too; when
    # that is what reached the limit, the page says so instead of speaking of a log-in.
    changing_password = (credentials or {}).get("purpose") == PASSWORD_CHANGE_CHECK
    context = {**realm_context(realm), "minutes": minutes, "changing_password": changing_password}
    response = render(request, "identity/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
