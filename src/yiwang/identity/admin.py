"""Admin pages for identity data, scoped by role.

Platform admins (role ``platform_admin`` or superusers) see and edit everything. A department admin
sees only their own departments, the memberships in them and the staff accounts working there;
they can neither create platform admins or auditors, nor change their own memberships, nor touch
another department. Citizens' personal records are never shown to department admins: personal
data is read through the exchange, on the record.
Every save and delete goes through :mod:`yiwang.identity.services`, so it is audited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import PermissionDenied as ActorPermissionDenied
from yiwang.identity import selectors, services
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.forms import AdminSetPasswordForm
from yiwang.identity.models import (
    Account,
    Department,
    Firm,
    FirmRepresentative,
    Membership,
    Person,
    Region,
)


def is_platform_admin(request: HttpRequest) -> bool:
    cached = getattr(request, "_yiwang_platform_admin", None)
    if cached is None:
        cached = selectors.is_platform_admin(request.user)
        request._yiwang_platform_admin = cached  # type: ignore[attr-defined]  # per request
    return bool(cached)


def administered(request: HttpRequest) -> QuerySet[Department]:
    return selectors.administered_departments(request.user)


def is_department_admin(request: HttpRequest) -> bool:
    cached = getattr(request, "_yiwang_department_admin", None)
    if cached is None:
        cached = administered(request).exists()
        request._yiwang_department_admin = cached  # type: ignore[attr-defined]  # per request
    return bool(cached)


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes through the audited services; platform admins only unless widened."""

    show_full_result_count = False  # counting millions of rows on every list page is slow

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        # Out of scope and missing look the same: 404, not Django's redirect with a message.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.save_record(
                actor=request.user, instance=obj, created=not change, fields=form.changed_data
            )
        except ActorPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            services.delete_record(actor=request.user, instance=obj)
        except ActorPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name_zh", "name_en")
    raw_id_fields = ("parent",)
    ordering = ("code",)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en", "region", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("region",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        qs = super().get_queryset(request).select_related("region")
        if is_platform_admin(request):
            return qs
        return qs.filter(pk__in=administered(request).values("pk"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or is_department_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return True
        if obj is None:
            return is_department_admin(request)
        return administered(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_platform_admin(request):
            return ()
        # A department admin may correct their department's names, not move or close it.
        return ("code", "region", "is_active")


# Shown when a department admin picks their own account: the service would refuse it anyway.
OWN_MEMBERSHIP_REFUSED = _(
    "You cannot give yourself a role or change your own roles. Ask a platform admin to do it."
)


class MembershipForm(forms.ModelForm):
    """A membership, checked against what the admin filling it in may grant."""

    actor: Any = None  # set per request by MembershipAdmin.get_form

    class Meta:
        model = Membership
        fields = ("account", "department", "role", "is_active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        account = cleaned.get("account")
        department, role = cleaned.get("department"), cleaned.get("role")
        if account is None or department is None or not role:
            return cleaned  # the missing field has its own message
        if not selectors.may_grant(self.actor, account=account, department=department, role=role):
            if selectors.is_own_account(self.actor, account):
                self.add_error("account", OWN_MEMBERSHIP_REFUSED)
            else:
                self.add_error("role", _("You may not give this role in this department."))
        return cleaned


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    form = MembershipForm
    list_display = ("account", "department", "role", "is_active")
    list_filter = ("role", "is_active", "department")
    search_fields = ("account__username", "account__display_name", "department__code")
    list_select_related = ("account", "department")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        qs = super().get_queryset(request).select_related("account", "department")
        if is_platform_admin(request):
            return qs
        return qs.filter(department__in=administered(request))

    def get_list_filter(self, request: HttpRequest) -> Any:
        # The department filter would list every department; show it to platform admins only.
        return self.list_filter if is_platform_admin(request) else ("role", "is_active")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or is_department_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return True
        if obj is None:
            return is_department_admin(request)
        return administered(request).filter(pk=obj.department_id).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or is_department_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return selectors.may_grant(
            request.user, account=obj.account, department=obj.department, role=obj.role
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"actor": request.user})

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET" and not is_platform_admin(request):
            membership = self.get_object(request, object_id)
            if selectors.is_own_account(request.user, membership.account):
                # Shown read-only; say why rather than leave the admin guessing.
                self.message_user(request, OWN_MEMBERSHIP_REFUSED, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department":
            kwargs["queryset"] = administered(request).order_by("code")
        elif db_field.name == "account":
            kwargs["queryset"] = (
                selectors.staff_accounts_for(request.user)
                .filter(kind=AccountKind.STAFF)
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            allowed = set(selectors.grantable_roles(request.user))
            kwargs["choices"] = [("", "---------")] + [
                (value, label) for value, label in Role.choices if value in allowed
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


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
            "password_link",
            "last_login",
            "date_joined",
        ]
        if is_platform_admin(request):
            fields.insert(5, "is_superuser")
        return [(None, {"fields": fields})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        readonly = ["kind", "password_link", "last_login", "date_joined"]
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
        state = _("set") if obj.has_usable_password() else _("not set (cannot log in)")
        return format_html('{} – <a href="{}">{}</a>', state, url, _("Set a new password"))

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


def _masked(national_id: str | None) -> str:
    if not national_id:
        return "—"
    return f"{national_id[:6]}{'*' * 8}{national_id[14:]}"


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    """Platform admins only, and each opened record is itself an audited read."""

    list_display = ("name", "id_kind", "masked_id", "nationality")
    list_filter = ("id_kind",)
    search_fields = ("=national_id", "=passport_number", "name")
    raw_id_fields = ("account",)

    @admin.display(description=_("ID number"))
    def masked_id(self, obj: Person) -> str:
        return _masked(obj.national_id) if obj.national_id else obj.passport_number

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            person = self.get_object(request, object_id)
            from yiwang.audit.services import record_event

            with transaction.atomic():
                record_event(
                    actor=request.user,
                    action="identity.person_viewed",
                    obj=person,
                    subjects=[person],
                    purpose="administration",
                )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Firm)
class FirmAdmin(AuditedAdmin):
    list_display = ("uscc", "name", "name_en", "region")
    search_fields = ("=uscc", "name", "name_en")
    raw_id_fields = ("region",)


@admin.register(FirmRepresentative)
class FirmRepresentativeAdmin(AuditedAdmin):
    list_display = ("firm", "person", "role", "valid_from", "valid_until")
    list_filter = ("role",)
    search_fields = ("=firm__uscc", "firm__name", "=person__national_id")
    raw_id_fields = ("firm", "person")
    list_select_related = ("firm", "person")
