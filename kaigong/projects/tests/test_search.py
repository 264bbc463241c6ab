"""The list's search: substring of Project.search_text, through the bigram index (both databases)."""

import pytest
from django.db import connection

from kaigong.projects import search
from kaigong.projects.models import Project
from kaigong.projects.search import search_projects
from kaigong.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

NAMES = ["国强自动化产业园", "光伏发电园区", "侯马市光伏农业示范", "gf-100%_测试", "园", "汾河生态|修复"]
QUERIES = ["光伏", "光", "园区", "gqzdh", "gf", "GF", "100%", "%", "_", "0%_", "|", "生态|修"]
QUERIES += ["侯马市光伏农业示范", "无此项目", "ｇｆ"]


@pytest.fixture
def projects(db):
    return [ProjectFactory(name=name) for name in NAMES]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_the_projects_whose_search_text_contains_the_query(projects, query):
    from kaigong.core.text import fold

    needle = fold(query).lower()
    expected = {p.pk for p in Project.objects.all() if needle in p.search_text}
    assert set(search_projects(Project.objects.all(), query).values_list("pk", flat=True)) == expected


def test_two_or_more_characters_use_the_bigram_index(projects):
    sql = str(search_projects(Project.objects.all(), "光伏").query)
    single = str(search_projects(Project.objects.all(), "光").query)
    if connection.vendor == "postgresql":
        assert "kaigong_bigrams" in sql and "kaigong_bigrams" not in single
        with connection.cursor() as cursor:
            cursor.execute("SELECT kaigong_bigrams('光伏园区')")
            assert sorted(cursor.fetchone()[0]) == sorted(["光伏", "伏园", "园区"])
            cursor.execute("SELECT kaigong_bigrams('园')")
            assert cursor.fetchone()[0] == []
    else:
        assert search.SQLITE_TABLE in sql and search.SQLITE_TABLE not in single
    assert {p.name for p in search_projects(Project.objects.all(), "光伏")} == {"光伏发电园区", "侯马市光伏农业示范"}


def test_bigram_words_are_the_distinct_pairs_as_plain_ascii_words():
    assert search.bigram_words("光伏园") == "g004f0f0056ed g005149004f0f"
    assert search.bigram_words("aaa") == "g000061000061"
    assert search.bigram_words("园") == search.bigram_words("") == search.bigram_words(None) == ""
    assert search.bigram_words("a%_") == "g00002500005f g000061000025"


def _indexed(query: str) -> set[int]:
    """The SQLite index's answer alone (no LIKE): the projects holding every bigram of the query."""
    with connection.cursor() as cursor:
        table = search.SQLITE_TABLE
        cursor.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [search.bigram_words(query)])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite index")
def test_sqlite_index_follows_every_write_to_projects(projects):
    solar = {p.pk for p in projects if "光伏" in p.name}
    assert _indexed("光伏") == solar
    renamed = projects[0]
    renamed.name = "光伏储能电站"
    renamed.refresh_search_text()
    renamed.save()
    assert _indexed("光伏") == solar | {renamed.pk}
    assert _indexed("自动") == set()
    Project.objects.filter(pk=renamed.pk).update(name="x", search_text="x")  # a queryset update, no save()
    assert _indexed("光伏") == solar
    Project.objects.filter(pk__in=solar).delete()
    assert _indexed("光伏") == set()
    copy = Project.objects.get(pk=projects[4].pk)
    copy.pk, copy.project_code, copy.name, copy.search_text = None, "", "光伏二期", "光伏二期"
    made = Project.objects.bulk_create([copy])
    assert _indexed("光伏二") == {made[0].pk}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite index")
def test_a_lost_trigger_is_put_back_and_the_index_rebuilt_after_migrate(projects):
    """What a migration that rebuilds projects_project on SQLite does: the table's triggers are gone."""
    assert search.ensure_sqlite_index(connection) is False  # all in place: nothing to do
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER projects_search_bigrams_au")
    Project.objects.filter(pk=projects[0].pk).update(search_text="光伏新名")
    assert projects[0].pk not in _indexed("光伏新")
    assert search.ensure_sqlite_index(connection) is True
    assert _indexed("光伏新") == {projects[0].pk}
    assert search.ensure_sqlite_index(connection) is False
