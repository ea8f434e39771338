"""Forms built from a service's JSON Schema, one page at a time, and file forms for materials.

A definition's form is a JSON Schema with ``x-title``, ``x-hint`` and ``x-enum-titles`` for
people, and an order of pages. :func:`questions_for` turns the fields of one page into
:class:`Question` objects; :class:`SchemaPageForm` turns those into Django fields so that the
shell's ``includes/field.html`` can render each one with its label, hint and error.

Django forms only *render* and *read back* here. The rules (required, formats, limits) are checked
by the applications app against the schema (``save_draft``); its messages are put back on the
fields with :meth:`SchemaPageForm.set_errors`. That keeps one set of rules for the portal, the API
and submission, and the person always sees what they typed, wrong or not.

How a field is asked:

* ``string``: a text input, or a text area when it may be longer than
  :data:`TEXTAREA_ABOVE` characters; ``format: email``, ``date`` and ``uri`` use the matching
  input types and ``cn-mobile`` a telephone input;
* ``enum``: radio buttons when there are at most :data:`MAX_RADIOS` options, else a drop-down;
* ``boolean``: "Yes" and "No" radio buttons (a check box could not tell "no" from "not answered");
* ``integer`` and ``number``: a text input with a numeric keyboard, converted on the server (a
  ``type=number`` input silently drops what it cannot read);
* ``array`` of options: check boxes; ``array`` of groups (``items`` an ``object`` with
  ``properties``): one fieldset per item with its sub-fields, an "Add another" button and a
  "Remove" button per item (see :meth:`SchemaPageForm.change_items`); ``array`` of anything
  else: one item per line;
* ``object``: its sub-fields, grouped under the field's title.

A list of groups travels as ``staff-items`` (how many items are shown) and one input per part of
each item, ``staff__0__name``; the buttons are ordinary submits (``action=add:staff``,
``action=remove:staff:1``), so nothing needs JavaScript.
"""

from yiwang.portal.forms.answers import display_answer, item_blocks, value_at
from yiwang.portal.forms.materials import accept_attribute, describe_file_types, material_field
from yiwang.portal.forms.page import SchemaPageForm, item_message, specific_message
from yiwang.portal.forms.questions import (
    MAX_RADIOS,
    TEXTAREA_ABOVE,
    Question,
    html_name,
    option_title,
    questions_for,
)

__all__ = [
    "MAX_RADIOS",
    "TEXTAREA_ABOVE",
    "Question",
    "SchemaPageForm",
    "accept_attribute",
    "describe_file_types",
    "display_answer",
    "html_name",
    "item_blocks",
    "item_message",
    "material_field",
    "option_title",
    "questions_for",
    "specific_message",
    "value_at",
]
