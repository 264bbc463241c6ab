"""Departments carry aliases the office edits (市卫体局 for 侯马市卫生健康和体育局), one a line."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organization_credit_code_optional"),
    ]

    operations = [
        migrations.AddField(
            model_name="department",
            name="aliases",
            field=models.TextField(
                blank=True,
                help_text="其他写法,每行一个(如“市卫体局”);导入台账和搜索时与名称同样认得",
                verbose_name="别名",
            ),
        ),
    ]
