"""The day an item's clock stopped for 补正 (ChecklistItem.clock_stopped_on), filled in for the items in 补正 now from
their open correction window."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_stopped_on(apps, schema_editor):
    ChecklistItem = apps.get_model("approvals", "ChecklistItem")
    CorrectionWindow = apps.get_model("approvals", "CorrectionWindow")
    open_window = CorrectionWindow.objects.filter(item=OuterRef("pk"), resumed_on__isnull=True).order_by(
        "-requested_on"
    )
    ChecklistItem.objects.filter(status="correction_requested").update(
        clock_stopped_on=Subquery(open_window.values("requested_on")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0006_checklistitem_warning_list_covering_index")]

    operations = [
        migrations.AddField(
            model_name="checklistitem",
            name="clock_stopped_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="计时暂停日期"),
        ),
        migrations.RunPython(fill_stopped_on, migrations.RunPython.noop),
    ]
