"""PostgreSQL: a bigram GIN index over Project.search_text, so the list's substring search is an index lookup.

`search_text LIKE '%…%'` alone scans every project (~55 ms at 100k). Chinese queries are mostly two characters
(光伏, 园区), which trigram indexes (pg_trgm) cannot answer; an index of the distinct two-character pieces of each
search text can: `kaigong_bigrams(search_text) @> kaigong_bigrams(query)` narrows to the projects containing every
piece of the query, and the LIKE then checks the order. SQLite keeps the plain scan (fast enough there; no such
index type). See kaigong.projects.filters.search_projects and docs/decisions.md.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION kaigong_bigrams(t text) RETURNS text[]
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}') FROM generate_series(1, length(t) - 1) AS i
$$
"""
INDEX = "CREATE INDEX projects_search_bigrams_idx ON projects_project USING gin (kaigong_bigrams(search_text::text))"
DROP = ["DROP INDEX IF EXISTS projects_search_bigrams_idx", "DROP FUNCTION IF EXISTS kaigong_bigrams(text)"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_project_search_text")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
