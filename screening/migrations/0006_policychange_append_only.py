"""On PostgreSQL, keep the policy change history append-only whoever asks:
no DELETE, and no UPDATE except the one the database itself makes when a
user is deleted (changed_by set to NULL).

SQLite has no such trigger here; there the read-only admin and the services
(create only) keep the history append-only.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION screening_policychange_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.changed_by_id IS NULL
       AND (NEW.id, NEW.changed_at, NEW.field, NEW.old_value::text, NEW.new_value::text, NEW.version)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.changed_at, OLD.field, OLD.old_value::text, OLD.new_value::text, OLD.version)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'The policy change history is append-only: ' || TG_OP || ' is not allowed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER screening_policychange_append_only
    BEFORE UPDATE OR DELETE ON screening_policychange
    FOR EACH ROW EXECUTE FUNCTION screening_policychange_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS screening_policychange_append_only ON screening_policychange;
DROP FUNCTION IF EXISTS screening_policychange_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0005_result_digest"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
