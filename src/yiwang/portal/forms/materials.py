"""File fields for the materials an application asks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from yiwang.portal.text import number, pick, sentences

# --- Materials --------------------------------------------------------------------------------


def accept_attribute(file_types: Iterable[Mapping[str, str]]) -> str:
    """The ``accept`` attribute: extensions and MIME types, so pickers offer the right files."""
    values: list[str] = []
    for file_type in file_types:
        for value in (file_type["extension"], file_type["mime_type"]):
            if value not in values:
                values.append(value)
    return ",".join(values)


def describe_file_types(file_types: Iterable[Mapping[str, str]]) -> str:
    names = []
    for file_type in file_types:
        name = file_type["extension"].lstrip(".").upper()
        if name not in names:
            names.append(name)
    return ", ".join(names)


def material_field(code: str) -> str:
    """The file input's name for a material; a hyphen keeps it apart from every field name."""
    return f"file-{code}"


def file_field(material: Any) -> forms.FileField:
    accepted = _("Files you can use: %(types)s, up to %(size)s MB.") % {
        "types": describe_file_types(material.file_types),
        "size": number(material.max_size_mb),
    }
    upload = getattr(material, "upload", None)
    current = (
        _("You have uploaded %(name)s. Choose a new file only to replace it.")
        % {"name": upload.original_name}
        if upload is not None
        else ""
    )
    hint = sentences(pick(material.description), accepted, current)
    return forms.FileField(
        label=pick(material.name),
        help_text=hint,
        required=not material.optional,
        widget=forms.FileInput(attrs={"accept": accept_attribute(material.file_types)}),
    )
