"""The admin site: only for platform and department admins, entered through the back office."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiwang.identity.access import in_realm
from yiwang.identity.constants import Realm


class YiwangAdminSite(admin.AdminSite):
    site_header = _("yiwang administration")
    site_title = _("yiwang administration")
    index_title = _("Platform and department administration")

    def has_permission(self, request: HttpRequest) -> bool:
        # ``is_staff`` is true only for active staff accounts holding an admin role; the realm
        # check keeps a session started anywhere but the back-office login out.
        return in_realm(request, Realm.BACKOFFICE) and bool(request.user.is_staff)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """There is no separate admin login: staff log in at the back office."""
        if in_realm(request, Realm.BACKOFFICE):
            # Logged in as staff without an admin role: logging in again would not help.
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("backoffice:login"))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from yiwang.identity.views import BackofficeLogoutView

        response: HttpResponse = BackofficeLogoutView.as_view()(request)
        return response

    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:  # a redirect, not the TemplateResponse Django's own page returns
        """Staff change their own password at the back office, not with Django's stock page.

        That page would skip what the back office's does: the current password counts towards
        the log-in lock-out, the change is audited and the account holder is told by e-mail.
        One way in keeps all of that in one place.
        """
        return HttpResponseRedirect(reverse("backoffice:password_change"))

    def password_change_done(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        return HttpResponseRedirect(reverse("backoffice:password_change"))
