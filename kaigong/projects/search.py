"""The project list's search: a substring of Project.search_text, answered from a bigram index on both databases.

A Chinese query is mostly two characters (光伏, 园区), which trigram indexes cannot answer. Both databases instead
index the distinct two-character pieces (bigrams) of each project's search text; a query of two or more characters
first narrows to the projects holding every bigram of the query, and the substring match (LIKE) then checks the
order. A one-character query is the plain substring match.

- PostgreSQL: a GIN index on the SQL function ``kaigong_bigrams(search_text)`` (projects migration 0005).
- SQLite: an FTS5 table ``projects_search_bigrams`` (projects migration 0006) whose rows are the bigrams of each
  project's search text, written as plain ASCII words (``g`` and the two code points in hex), so the tokenizer
  never splits or folds a piece. Triggers on projects_project keep it in step with every write (services,
  importer, bench, admin), calling the function ``kaigong_bigram_words`` that Kaigong registers on each of its
  SQLite connections (a connection without it, such as the sqlite3 shell, can read projects but not write them).
  A migration that rebuilds projects_project on SQLite drops the table's triggers; after every ``migrate``,
  ``ensure_sqlite_index`` puts back any missing trigger and then rebuilds the index.

See docs/decisions.md.
"""

from itertools import pairwise

from django.db import connections
from django.db.models import BooleanField, F, Func, TextField, Value
from django.db.models.expressions import RawSQL

from kaigong.accounts.models import Department
from kaigong.core.dictionaries import entry_names
from kaigong.core.text import dictionary_key, fold

SQLITE_TABLE = "projects_search_bigrams"
SQLITE_FUNCTION = "kaigong_bigram_words"

_DELETE = (
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, grams) "
    f"VALUES ('delete', old.id, {SQLITE_FUNCTION}(old.search_text))"
)
_INSERT = f"INSERT INTO {SQLITE_TABLE}(rowid, grams) VALUES (new.id, {SQLITE_FUNCTION}(new.search_text))"
SQLITE_TRIGGERS = {
    "projects_search_bigrams_ai": f"AFTER INSERT ON projects_project BEGIN {_INSERT}; END",
    "projects_search_bigrams_ad": f"AFTER DELETE ON projects_project BEGIN {_DELETE}; END",
    "projects_search_bigrams_au": (
        "AFTER UPDATE OF search_text ON projects_project WHEN old.search_text IS NOT new.search_text "
        f"BEGIN {_DELETE}; {_INSERT}; END"
    ),
}
# Contentless (the words are derived, nothing to store) and without positions: the search asks only "has all".
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(grams, content='', detail=none, tokenize='ascii')"
)


def bigram_words(text: str | None) -> str:
    """The distinct bigrams of ``text`` as space-separated ASCII words: 光伏园 → "g004f0f0056ed g005149004f0f"."""
    if not text:
        return ""
    return " ".join(sorted({f"g{ord(a):06x}{ord(b):06x}" for a, b in pairwise(text)}))


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created receiver: the triggers' function on every SQLite connection Kaigong opens."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, bigram_words, deterministic=True)


def ensure_sqlite_index(connection) -> bool:
    """Create the SQLite index and its triggers where missing; rebuild the index if any trigger was missing (its
    words may be stale). Returns whether it rebuilt. Idempotent; a no-op on PostgreSQL."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'projects_project'")
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        if not missing:
            return False
        cursor.execute(SQLITE_CREATE)
        for name in missing:
            cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
        cursor.execute(f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('delete-all')")
        cursor.execute(
            f"INSERT INTO {SQLITE_TABLE}(rowid, grams) SELECT id, {SQLITE_FUNCTION}(search_text) FROM projects_project"
        )
    return True


def ensure_after_migrate(sender, using, **kwargs) -> None:
    """post_migrate receiver (projects app)."""
    ensure_sqlite_index(connections[using])


class HasBigramsOf(Func):
    """PostgreSQL: ``kaigong_bigrams(search_text) @> kaigong_bigrams(query)``, the condition the GIN index
    projects_search_bigrams_idx answers (migration 0005): every two-character piece of the query is in the text."""

    arg_joiner = ") @> kaigong_bigrams("
    template = "kaigong_bigrams(%(expressions)s)"
    output_field = BooleanField()


def search_projects(queryset, value: str):
    """Name fragment, project code, owner name or pinyin initials ("gqzdh" finds 国强自动化…): the projects of
    ``queryset`` whose search text contains the folded, lower-cased query. A query that names a department as a
    whole (its name, short name or an alias the office gave it, such as 市卫体局) also finds the projects that
    department is responsible for."""
    text = fold(value or "").lower()
    if not text:
        return queryset
    matches = _text_matches(queryset, text)
    departments = departments_named(value)
    if departments:
        return matches | queryset.filter(responsible_department__in=departments)
    return matches


def _text_matches(queryset, text: str):
    queryset = queryset.filter(search_text__contains=text)
    if len(text) < 2:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        return queryset.filter(HasBigramsOf(F("search_text"), Value(text, output_field=TextField())))
    if vendor == "sqlite":
        matching = RawSQL(f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s", [bigram_words(text)])
        return queryset.filter(pk__in=matching)
    return queryset


def departments_named(value: str) -> list[int]:
    """The ids of the departments ``value`` names as a whole: by name, short name or alias, through
    dictionary_key (script, width and punctuation do not count). One query over a small dictionary."""
    key = dictionary_key(value or "")
    if len(key) < 2:
        return []
    return [
        department.pk
        for department in Department.objects.only("id", *Department.NAME_FIELDS, "aliases")
        if any(dictionary_key(name) == key for name in entry_names(department, Department.NAME_FIELDS))
    ]
