"""The warning list's partial index carries the columns its filters and counts read (see ChecklistItem.Meta)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_plan_forecast_summary")]

    operations = [
        migrations.RemoveIndex(model_name="checklistitem", name="approvals_item_warning_due_idx"),
        migrations.AddIndex(
            model_name="checklistitem",
            index=models.Index(
                condition=models.Q(("warning_level__in", ["yellow", "red"])),
                fields=["committed_due", "id", "warning_level", "matter", "checklist"],
                name="approvals_item_warnlist_idx",
            ),
        ),
    ]
