"""An organization may lack its unified social credit code (a county ledger names owners without one): the code is
NULL then, never "", so the unique constraint holds among the filled codes only.

Reversible while every organization has a code: going back makes the column NOT NULL again."""

from django.db import migrations, models

import kaigong.core.codes


def blank_to_null(apps, schema_editor):
    Organization = apps.get_model("accounts", "Organization")
    Organization.objects.filter(credit_code="").update(credit_code=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="credit_code",
            field=models.CharField(
                blank=True,
                max_length=18,
                null=True,
                unique=True,
                validators=[kaigong.core.codes.validate_credit_code],
                verbose_name="统一社会信用代码",
            ),
        ),
        migrations.RunPython(blank_to_null, migrations.RunPython.noop),
    ]
