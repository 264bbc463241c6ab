"""Categories and levels carry aliases the office edits, one a line, matched by the importer like their names."""

from django.db import migrations, models

ALIASES = models.TextField(
    blank=True,
    help_text="其他写法,每行一个(如“市卫体局”);导入台账和搜索时与名称同样认得",
    verbose_name="别名",
)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_sqlite_search_bigram_index"),
    ]

    operations = [
        migrations.AddField(model_name="category", name="aliases", field=ALIASES.clone()),
        migrations.AddField(model_name="level", name="aliases", field=ALIASES.clone()),
    ]
