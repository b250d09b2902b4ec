"""Mark the flags that have an acknowledgement (`Flag.acknowledged`, kept by
the review's services from now on)."""

from django.db import migrations


def mark_acknowledged(apps, schema_editor):
    Flag = apps.get_model("screening", "Flag")
    FlagAcknowledgement = apps.get_model("review", "FlagAcknowledgement")
    Flag.objects.filter(
        pk__in=FlagAcknowledgement.objects.values("flag_id"), acknowledged=False
    ).update(acknowledged=True)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0003_consults_to_book_index"),
        ("screening", "0013_flag_acknowledged"),
    ]

    operations = [migrations.RunPython(mark_acknowledged, migrations.RunPython.noop)]
