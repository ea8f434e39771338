"""Admin pages for staff roles in a department, limited to what the admin may grant."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from yiwang.identity import selectors
from yiwang.identity.admin._common import (
    AuditedAdmin,
    administered,
    is_department_admin,
    is_platform_admin,
)
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Membership

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
