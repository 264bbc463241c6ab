"""Seed the approval catalogue, its approving departments and the default checklist rules on a fresh install."""

from django.db import migrations


def seed(apps, schema_editor):
    from kaigong.approvals.data.catalogue import seed_catalogue

    seed_catalogue(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    # Reversing keeps the rows: administrators may have edited them and checklists may use them; reversing
    # 0001 as well drops the tables. Departments are never removed (users may belong to them).
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
