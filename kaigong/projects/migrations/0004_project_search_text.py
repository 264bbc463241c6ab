"""Replace the pinyin-initials column by one search column (name, code, owner name, pinyin initials)."""

from django.db import migrations, models


def fill_search_text(apps, schema_editor):
    from kaigong.core.text import fold, pinyin_initials

    Project = apps.get_model("projects", "Project")
    batch = []
    for project in Project.objects.select_related("owner").only("name", "project_code", "owner__name").iterator(
        chunk_size=2000
    ):
        owner = project.owner.name if project.owner_id else ""
        parts = [fold(project.name), project.project_code, fold(owner), pinyin_initials(project.name)]
        project.search_text = "|".join(part for part in parts if part).lower()[:500]
        batch.append(project)
        if len(batch) == 2000:
            Project.objects.bulk_update(batch, ["search_text"])
            batch = []
    Project.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_project_list_order_index")]

    operations = [
        migrations.RemoveField(model_name="project", name="pinyin_initials"),
        migrations.AddField(
            model_name="project",
            name="search_text",
            field=models.CharField(blank=True, editable=False, max_length=500),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
