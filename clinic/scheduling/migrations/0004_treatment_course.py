"""FollowUpPlan, FollowUpPlanStep and Series were one idea under three names:
a treatment course. Renamed in place (tables, columns and the index), so every
row is kept."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("scheduling", "0003_seed_types_and_plans"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="appointment", name="appt_series_start_idx"),
        migrations.RenameModel("FollowUpPlan", "CoursePlan"),
        migrations.RenameModel("FollowUpPlanStep", "CoursePlanStep"),
        migrations.RenameModel("Series", "Course"),
        migrations.RenameField("appointment", "series", "course"),
        migrations.RenameField("appointment", "series_position", "course_position"),
        migrations.AlterModelOptions(
            name="course",
            options={"ordering": ["-created_at"], "verbose_name": "treatment course"},
        ),
        migrations.AlterField(
            model_name="course",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="courses",
                to="accounts.patient",
            ),
        ),
        # Editing a course "from this one onwards".
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["course", "start"], name="appt_course_start_idx"),
        ),
    ]
