"""Admin pages for accounts: a new staff login with its first role, and setting a password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import PermissionDenied as ActorPermissionDenied
from yiwang.identity import selectors, services
from yiwang.identity.admin._common import (
    AuditedAdmin,
    administered,
    is_department_admin,
    is_platform_admin,
)
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.forms import AdminSetPasswordForm
from yiwang.identity.models import Account, Department


class AccountCreationForm(forms.ModelForm):
    """A new staff account with its password and (for department admins, required) first role."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=(), required=False)

    class Meta:
        model = Account
        fields = ("username", "display_name", "email")

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert request is not None
        self.platform = is_platform_admin(request)
        self.fields["department"].queryset = administered(request).order_by("code")  # type: ignore[attr-defined]
        allowed = set(selectors.grantable_roles(request.user))
        self.fields["role"].choices = [("", "---------")] + [  # type: ignore[attr-defined]
            (value, label) for value, label in Role.choices if value in allowed
        ]
        if not self.platform:
            self.fields["department"].required = True
            self.fields["role"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords are not the same. Type them again."))
        elif one:
            probe = Account(
                username=cleaned.get("username") or "",
                display_name=cleaned.get("display_name") or "",
                email=cleaned.get("email") or "",
                kind=AccountKind.STAFF,
            )
            try:
                validate_password(one, user=probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        if bool(cleaned.get("department")) != bool(cleaned.get("role")):
            self.add_error("role", _("Give both a department and a role, or neither."))
        return cleaned


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
    list_display = ("username", "display_name", "kind", "email", "is_active", "last_login")
    list_filter = ("kind", "is_active")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    add_form = AccountCreationForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        qs = super().get_queryset(request)
        if is_platform_admin(request):
            return qs
        return qs.filter(pk__in=selectors.staff_accounts_for(request.user).values("pk"))

    def get_list_filter(self, request: HttpRequest) -> Any:
        return self.list_filter if is_platform_admin(request) else ("is_active",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or is_department_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return True
        if obj is None:
            return is_department_admin(request)
        return selectors.staff_accounts_for(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or is_department_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return selectors.may_manage_account(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Department admins deactivate leavers; deleting would erase who did what.
        return is_platform_admin(request)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            form_class = self.add_form

            class BoundCreationForm(form_class):  # type: ignore[valid-type,misc]
                def __init__(self, *args: Any, **kw: Any) -> None:
                    super().__init__(*args, request=request, **kw)

            return BoundCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [
                (None, {"fields": ("username", "display_name", "email")}),
                (_("Password"), {"fields": ("password1", "password2")}),
                (_("First role"), {"fields": ("department", "role")}),
            ]
        fields: list[str] = [
            "username",
            "kind",
            "display_name",
            "email",
            "is_active",
            self._password_field(request, obj),
            "last_login",
            "date_joined",
        ]
        if is_platform_admin(request):
            fields.insert(5, "is_superuser")
        return [(None, {"fields": fields})]

    @staticmethod
    def _password_field(request: HttpRequest, obj: Account) -> str:
        """How the password shows: a link to set it where the viewer may, the way to change
        one's own (always the back office's page, which asks for the current one), or only
        whether it is set."""
        if obj.pk == request.user.pk:
            return "own_password"
        if selectors.may_manage_account(request.user, obj):
            return "password_link"
        return "password_state"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        readonly = [
            "kind",
            "password_link",
            "own_password",
            "password_state",
            "last_login",
            "date_joined",
        ]
        if not is_platform_admin(request):
            readonly.append("username")
        if not getattr(request.user, "is_superuser", False):
            readonly.append("is_superuser")
        return readonly

    @admin.display(description=_("Password"))
    def password_link(self, obj: Account) -> str:
        if obj.pk is None:
            return ""
        url = reverse("admin:identity_account_password", args=[obj.pk])
        return self._state_and_link(obj, url, _("Set a new password"))

    @admin.display(description=_("Password"))
    def own_password(self, obj: Account) -> str:
        url = reverse("backoffice:password_change")
        return self._state_and_link(obj, url, _("Change your password in the back office"))

    def _state_and_link(self, obj: Account, url: str, text: Any) -> str:
        return format_html('{} – <a href="{}">{}</a>', self.password_state(obj), url, text)

    @admin.display(description=_("Password"))
    def password_state(self, obj: Account) -> str:
        return str(_("set") if obj.has_usable_password() else _("not set (cannot log in)"))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        try:
            account = services.create_staff_account(
                actor=request.user,
                username=data["username"],
                display_name=data.get("display_name") or "",
                email=data.get("email") or "",
                password=data["password1"],
                department=data.get("department"),
                role=data.get("role") or None,
            )
        except ActorPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        # The admin goes on to log and redirect using ``obj``; make it the saved account.
        obj.pk = account.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "<path:object_id>/password/",
                self.admin_site.admin_view(self.set_password_view),
                name="identity_account_password",
            ),
        ]
        return custom + super().get_urls()

    def set_password_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        account = self.get_object(request, object_id)
        if account is not None and account.pk == request.user.pk:
            # One's own password: the back office's page, which asks for the current one.
            return HttpResponseRedirect(reverse("backoffice:password_change"))
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        form = AdminSetPasswordForm(account, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.set_password(
                    actor=request.user,
                    account=account,
                    password=form.cleaned_data["password1"],
                    reason="admin",
                )
            except ValidationError as exc:
                form.add_error("password1", exc)
            except ActorPermissionDenied as exc:
                raise PermissionDenied(str(exc)) from exc
            else:
                self.message_user(request, _("The password has been changed."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:identity_account_change", args=[account.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Set a new password for %(name)s") % {"name": account.username},
            "form": form,
            "account": account,
            "opts": self.opts,
            "original": account,
        }
        return TemplateResponse(request, "identity/admin/set_password.html", context)
