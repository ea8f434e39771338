"""The admin in the reader's language where Django and django-tasks-db leave it in English.

django-tasks-db registers its own page with column names that are not marked for translation
(the task's name, its id); the same page is registered again here with names that are. What it
shows and allows (nothing but reading) is unchanged.

Django's admin lets a list be filtered by any field of its model from the address bar
(``?password__startswith=argon2$...``), which reads a hidden value out one character at a time;
a lookup that touches a password, secret, token or hash is refused (400) for every model.

Django draws a yes/no value as an icon whose text alternative is Python's ``True``/``False``,
untranslated, which a screen reader reads out on Chinese pages; it is replaced by "Yes"/"No"
in the page's language (Django looks the function up on its module at every use).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult


class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (
        "result_id",
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = super().get_readonly_fields(request, obj)
        return ["result_id" if name == "id" else name for name in fields]

    @admin.display(description=_("task result"), ordering="id")
    def result_id(self, obj: DBTaskResult) -> str:
        return str(obj.id)

    @admin.display(description=_("task"), ordering="task_path")
    def task(self, obj: DBTaskResult) -> str:
        return str(obj.task_name)

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult) -> datetime | str:
        return super().display_run_after(obj)


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)


def _boolean_icon(value: bool | None) -> SafeString:
    if value is None:
        name, text = "unknown", gettext("Unknown")
    else:
        name, text = ("yes", gettext("Yes")) if value else ("no", gettext("No"))
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


vars(admin_list)["_boolean_icon"] = _boolean_icon


# A field whose value must never be narrowed down from the address bar.
_SECRET_LOOKUP = re.compile(r"(^|__)[a-z0-9_]*(password|secret|token|hash)[a-z0-9_]*(__|$)")
_lookup_allowed = admin.ModelAdmin.lookup_allowed


def _lookup_allowed_unless_secret(self: Any, lookup: str, value: str, request: HttpRequest) -> bool:
    if _SECRET_LOOKUP.search(lookup):
        return False
    return _lookup_allowed(self, lookup, value, request)


# Every admin, ours and Django's (a class attribute, replaced on purpose).
admin.ModelAdmin.lookup_allowed = _lookup_allowed_unless_secret  # type: ignore[method-assign]
