"""The warning list's partial indexes: its order with the columns its counts and filters read, and the lit items
of given checklists (see ChecklistItem.Meta)."""

from django.db import migrations, models

LIT = models.Q(("warning_level__in", ["yellow", "red"]))


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_plan_forecast_summary")]

    operations = [
        migrations.RemoveIndex(model_name="checklistitem", name="approvals_item_warning_due_idx"),
        migrations.AddIndex(
            model_name="checklistitem",
            index=models.Index(
                condition=LIT,
                fields=["committed_due", "id", "warning_level", "matter"],
                name="approvals_item_warnlist_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="checklistitem",
            index=models.Index(condition=LIT, fields=["checklist"], name="approvals_item_warnchk_idx"),
        ),
    ]
