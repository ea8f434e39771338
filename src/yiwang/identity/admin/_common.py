"""What the identity admin pages share: who is asking (cached per request), audited saves."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from yiwang.core.errors import PermissionDenied as ActorPermissionDenied
from yiwang.identity import selectors, services
from yiwang.identity.models import Department


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
