"""On PostgreSQL, refuse changes to what is signed, whoever asks (the admin
and a database shell included):

- a signed session: no UPDATE, no DELETE;
- the vitals of a signed session: no INSERT, UPDATE or DELETE;
- addenda and REMS form submissions: append-only (no UPDATE, no DELETE).

SQLite has no such triggers here; there the services (which refuse) and the
read-only admin keep the rule.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION treatment_session_signed_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION USING MESSAGE = 'A signed treatment session cannot be changed: ' || TG_OP || ' is not allowed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER treatment_session_signed_immutable
    BEFORE UPDATE OR DELETE ON treatment_treatmentsession
    FOR EACH ROW EXECUTE FUNCTION treatment_session_signed_immutable();

CREATE OR REPLACE FUNCTION treatment_vitalsign_signed_immutable() RETURNS trigger AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        target := NEW.session_id;
    ELSE
        target := OLD.session_id;
    END IF;
    IF EXISTS (SELECT 1 FROM treatment_treatmentsession WHERE id = target AND signed_at IS NOT NULL) THEN
        RAISE EXCEPTION USING MESSAGE = 'The vitals of a signed treatment session cannot be changed: ' || TG_OP || ' is not allowed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER treatment_vitalsign_signed_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON treatment_vitalsign
    FOR EACH ROW EXECUTE FUNCTION treatment_vitalsign_signed_immutable();

CREATE OR REPLACE FUNCTION treatment_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' is not allowed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER treatment_addendum_append_only
    BEFORE UPDATE OR DELETE ON treatment_addendum
    FOR EACH ROW EXECUTE FUNCTION treatment_append_only();
CREATE TRIGGER treatment_remssubmission_append_only
    BEFORE UPDATE OR DELETE ON treatment_remssubmission
    FOR EACH ROW EXECUTE FUNCTION treatment_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS treatment_session_signed_immutable ON treatment_treatmentsession;
DROP TRIGGER IF EXISTS treatment_vitalsign_signed_immutable ON treatment_vitalsign;
DROP TRIGGER IF EXISTS treatment_addendum_append_only ON treatment_addendum;
DROP TRIGGER IF EXISTS treatment_remssubmission_append_only ON treatment_remssubmission;
DROP FUNCTION IF EXISTS treatment_session_signed_immutable();
DROP FUNCTION IF EXISTS treatment_vitalsign_signed_immutable();
DROP FUNCTION IF EXISTS treatment_append_only();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("treatment", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
