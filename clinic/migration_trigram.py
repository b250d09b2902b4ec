"""Trigram (pg_trgm, GIN) indexes for `icontains` searches, PostgreSQL only.

Django's `icontains` on PostgreSQL is `UPPER(column::text) LIKE UPPER('%...%')`,
so each index is on that very expression: the planner uses it for the
search's LIKE (a bitmap scan; several columns ORed become a BitmapOr). SQLite
has no such index; there the searches stay what they were. The indexes are
kept out of the models' state (like the exclusion constraints of
clinic.scheduling.migration_ops), so `makemigrations` sees no change.
"""

from __future__ import annotations

from django.db import migrations


def trigram_index(table: str, column: str, name: str) -> migrations.RunPython:
    sql = (
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
        f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
    )

    def forwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    def backwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forwards, backwards, elidable=False)
