"""Make the heritage consent a prerequisite of the construction-engineering planning permit, and store the
default approval chain (city heritage office → provincial bureau → national administration).

The heritage matters and their rules on ``in_heritage_control_zone`` come with the approvals seed (0002); this
adds only what the heritage overlay needs on top, through the historical models, and only when missing.
"""

from django.db import migrations

PERMIT = "engineering-planning-permit"
CONSENT = "heritage-consent"


def forwards(apps, schema_editor):
    ApprovalMatter = apps.get_model("approvals", "ApprovalMatter")
    HeritageRouting = apps.get_model("heritage", "HeritageRouting")
    matters = {m.code: m for m in ApprovalMatter.objects.filter(code__in=[PERMIT, CONSENT])}
    if len(matters) == 2 and not matters[PERMIT].prerequisites.filter(pk=matters[CONSENT].pk).exists():
        matters[PERMIT].prerequisites.add(matters[CONSENT])
    HeritageRouting.objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    ApprovalMatter = apps.get_model("approvals", "ApprovalMatter")
    matters = {m.code: m for m in ApprovalMatter.objects.filter(code__in=[PERMIT, CONSENT])}
    if len(matters) == 2:
        matters[PERMIT].prerequisites.remove(matters[CONSENT])


class Migration(migrations.Migration):
    dependencies = [
        ("heritage", "0001_initial"),
        ("approvals", "0002_seed_catalogue"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
