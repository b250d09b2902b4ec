"""Migration operations that run only on PostgreSQL.

The exclusion constraints that forbid double booking need PostgreSQL
(`btree_gist`, `tstzrange`); SQLite cannot create them ("near EXCLUDE").
They are therefore kept out of the models' state and created by this
operation on PostgreSQL only; on SQLite the booking services' check under a
transaction is the guard.
"""

from __future__ import annotations

from django.contrib.postgres.fields import DateTimeRangeField
from django.db import migrations
from django.db.models import Func


class TsTzRange(Func):
    """`tstzrange(start, end)`: a half-open time range, `[start, end)`."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class AddConstraintOnPostgres(migrations.AddConstraint):
    """Add a constraint on PostgreSQL only, without changing the model state."""

    reduces_to_sql = False

    def state_forwards(self, app_label, state) -> None:
        return None

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        schema_editor.remove_constraint(model, self.constraint)

    def describe(self) -> str:
        return f"Create constraint {self.constraint.name} on {self.model_name} (PostgreSQL only)"
