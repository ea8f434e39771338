"""The search index gains a term per event for its record id alone (``record:<id>``).

An index built before lacks them, so it is emptied here and the sealing task builds it again
from the sealed log, a few checkpoints at a time; until it has, searches read the log instead,
as they do for any part the index does not cover yet.
"""

from django.db import migrations


def empty_the_index(apps, schema_editor):
    progress = apps.get_model("audit", "SearchIndexProgress")
    term = apps.get_model("audit", "SearchTerm")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("TRUNCATE audit_searchterm")
    else:
        term.objects.all().delete()
    progress.objects.update_or_create(pk=1, defaults={"tree_size": 0})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_search_index"),
    ]

    operations = [
        migrations.RunPython(empty_the_index, migrations.RunPython.noop),
    ]
