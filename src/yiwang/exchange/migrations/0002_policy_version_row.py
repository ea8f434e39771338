"""Create the single PolicyVersion row, so bumping it is always a plain UPDATE."""

import uuid

from django.db import migrations


def create_row(apps, schema_editor):
    PolicyVersion = apps.get_model("exchange", "PolicyVersion")
    PolicyVersion.objects.get_or_create(pk=1, defaults={"version": 1, "token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
