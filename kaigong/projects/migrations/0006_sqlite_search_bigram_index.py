"""SQLite: the bigram index of Project.search_text (an FTS5 table kept by triggers), the counterpart of
PostgreSQL's GIN index (0005). See kaigong.projects.search and docs/decisions.md."""

from django.db import migrations

from kaigong.projects import search


def create(apps, schema_editor):
    search.ensure_sqlite_index(schema_editor.connection)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in search.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {search.SQLITE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_search_bigram_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
