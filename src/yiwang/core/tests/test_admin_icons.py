"""Yes/no values in the admin are read out in the page's language."""

from __future__ import annotations

from django.contrib.admin.utils import display_for_field, display_for_value
from django.db import models
from django.utils import translation


def test_a_yes_no_icon_has_a_text_alternative_in_the_page_language() -> None:
    with translation.override("zh-hans"):
        yes = display_for_field(True, models.BooleanField(), "")
        no = display_for_value(False, "", boolean=True)
    with translation.override("en"):
        unknown = display_for_field(None, models.BooleanField(null=True), "")

    assert 'alt="是"' in yes and "icon-yes.svg" in yes
    assert 'alt="否"' in no and "icon-no.svg" in no
    assert 'alt="Unknown"' in unknown and "icon-unknown.svg" in unknown
