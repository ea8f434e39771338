"""Admin pages for regions, departments, firms and firm representatives."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.identity.admin._common import (
    AuditedAdmin,
    administered,
    is_department_admin,
    is_platform_admin,
)
from yiwang.identity.models import Department, Firm, FirmRepresentative, Region


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

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_platform_admin(request):
            return super().get_fields(request, obj)
        return ("code", "name_zh", "name_en", "region_name", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_platform_admin(request):
            return ()
        # A department admin may correct their department's names, not move or close it. The
        # region is shown as text: its own page is for platform admins.
        return ("code", "region_name", "is_active")

    @admin.display(description=_("region"))
    def region_name(self, obj: Department) -> str:
        return str(obj.region) if obj.region_id else ""


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
