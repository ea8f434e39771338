"""Make the audit tables append-only in the database itself.

Only INSERT is allowed on the event, leaf and checkpoint tables; UPDATE, DELETE and TRUNCATE are
refused by triggers, whoever the database user is. (A superuser can still drop the triggers: that
is what the Merkle tree and the signed checkpoints are for.)

The SQL is written out here and nothing is imported from the app, so this migration keeps
working whatever the models become later.
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_leaf", "audit_checkpoint")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION yiwang_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'yiwang audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION yiwang_audit_append_only();
"""

SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_{verb}
BEFORE {operation} ON {table}
BEGIN
    SELECT RAISE(ABORT, 'yiwang audit log is append-only: {operation} on {table} is not allowed');
END;
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, None)  # None: "%" is not a placeholder
        for table in TABLES:
            schema_editor.execute(POSTGRES_TRIGGER.format(table=table))
    elif vendor == "sqlite":
        # SQLite has no TRUNCATE: "DELETE FROM t" without WHERE is how it truncates, and a
        # DELETE trigger switches that optimisation off, so the row trigger covers it.
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    SQLITE_TRIGGER.format(table=table, operation=operation, verb=operation.lower())
                )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS yiwang_audit_append_only()")
    elif vendor == "sqlite":
        for table in TABLES:
            for verb in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_events_leaves_checkpoints")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
