"""Forms of the work queue and the task page: they parse what a clerk sends, nothing more.

The rules (a refusal needs a reason, a correction needs something to correct) belong to
:func:`yiwang.applications.services.decide_task`; its refusals come back here as field errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.applications.constants import Decision, TaskStatus
from yiwang.core.form_fields import DateField

# Statuses a clerk may filter the queue by; the default (nothing chosen) is open and claimed.
QUEUE_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.ON_HOLD, TaskStatus.DONE)


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class QueueFilterForm(forms.Form):
    """The queue's filters, sent with GET so that a filtered queue has its own address."""

    department = forms.ChoiceField(label=_("Department"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    due_before = DateField(
        label=_("Due on or before"),
        required=False,
        help_text=_("For example, 2026-03-31"),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        departments: Iterable[tuple[str, str]],
        services: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        _choices(self, "department", [("", _("All my departments")), *departments])
        _choices(self, "service", [("", _("All services")), *services])
        _choices(
            self,
            "status",
            [
                ("", _("All open tasks")),
                *((s.value, s.label) for s in QUEUE_STATUSES),
            ],
        )

    def filters(self) -> dict[str, Any]:
        """The chosen filters (empty ones left out); call after ``is_valid``."""
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in ("", None)}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve, refuse or ask for a correction.")},
    )
    reason = forms.CharField(
        label=_("Reason for refusing"),
        help_text=_("Only when refusing. The applicant reads this: say which rule is not met."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    correction_fields = forms.MultipleChoiceField(
        label=_("Answers the applicant must correct"),
        help_text=_("Only when asking for a correction (补正). Choose at least one answer or "
                    "material."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    correction_materials = forms.MultipleChoiceField(
        label=_("Materials the applicant must provide again"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What to correct, and how"),
        help_text=_("Only when asking for a correction. The applicant reads this."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        fields: Iterable[tuple[str, str]],
        materials: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        _choices(self, "correction_fields", list(fields))
        materials = list(materials)
        if materials:
            _choices(self, "correction_materials", materials)
        else:
            del self.fields["correction_materials"]

    def add_service_errors(self, errors: Mapping[str, Iterable[str]], message: str) -> None:
        """Show the workflow's refusal next to the fields it names (or at the top)."""
        placed = False
        for name, messages in errors.items():
            target = name if name in self.fields else None
            for text in messages:
                self.add_error(target, str(text))
                placed = True
        if not placed:
            self.add_error(None, message)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(
        label=_("Give this task to"),
        error_messages={"required": _("Choose who should handle this task.")},
    )

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, people: Iterable[tuple[str, str]]
    ) -> None:
        super().__init__(data)
        _choices(self, "assignee", [("", _("Choose a colleague")), *people])
