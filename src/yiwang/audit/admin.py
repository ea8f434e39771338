"""Read-only views of the audit log in the admin: nothing can be added, changed or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.audit.models import AuditEvent, Checkpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    # Counting a large log on every page load is slow; "show all" is not needed to browse it.
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "actor_type",
        "actor_label",
        "actor_department",
        "action",
        "object_type",
        "object_id",
    )
    list_filter = ("actor_type",)
    search_fields = ("=action", "=object_id", "=actor_id", "=request_id")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "created_at",
        "actor_type",
        "actor_id",
        "actor_label",
        "actor_department",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "subjects_json",
        "purpose",
        "request_id",
        "data_json",
        "content_hash_hex",
    )
    readonly_fields = fields

    @admin.display(description=_("content hash"))
    def content_hash_hex(self, obj: AuditEvent) -> str:
        return bytes(obj.content_hash).hex()


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "created_at", "key_id", "root_hex")
    fields = ("tree_size", "created_at", "key_id", "root_hex", "signature_hex")
    readonly_fields = fields

    @admin.display(description=_("root hash"))
    def root_hex(self, obj: Checkpoint) -> str:
        return bytes(obj.root_hash).hex()

    @admin.display(description=_("signature"))
    def signature_hex(self, obj: Checkpoint) -> str:
        return bytes(obj.signature).hex()
