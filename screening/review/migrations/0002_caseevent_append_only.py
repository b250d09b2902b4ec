"""On PostgreSQL, reject UPDATE and DELETE of case history rows, whoever asks.

SQLite has no such trigger here; there the admin (read-only) and the services
(create only) keep the history append-only.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION review_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'The case history is append-only: ' || TG_OP || ' is not allowed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER review_caseevent_append_only
    BEFORE UPDATE OR DELETE ON review_caseevent
    FOR EACH ROW EXECUTE FUNCTION review_caseevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS review_caseevent_append_only ON review_caseevent;
DROP FUNCTION IF EXISTS review_caseevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_case_records"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
    ]
