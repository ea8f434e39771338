"""Admin pages for people: platform admins only, with masked ID numbers and audited reads."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from yiwang.identity.admin._common import AuditedAdmin
from yiwang.identity.models import Person


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
