"""No clinician, room or patient in two live appointments at once.

PostgreSQL only (btree_gist, tstzrange); SQLite relies on the booking
services' check under a transaction. See clinic.scheduling.migration_ops.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Q

from clinic.scheduling.migration_ops import AddConstraintOnPostgres, TsTzRange

LIVE = ~Q(status__in=["cancelled", "no_show"])


def _no_overlap(resource: str) -> ExclusionConstraint:
    return ExclusionConstraint(
        name=f"appointment_no_overlap_{resource}",
        expressions=[
            (resource, RangeOperators.EQUAL),
            (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=LIVE,
    )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        AddConstraintOnPostgres("appointment", _no_overlap("clinician")),
        AddConstraintOnPostgres("appointment", _no_overlap("room")),
        AddConstraintOnPostgres("appointment", _no_overlap("patient")),
    ]
