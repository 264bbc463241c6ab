"""The list's search: substring of Project.search_text, through the bigram index on PostgreSQL."""

import pytest
from django.db import connection

from kaigong.projects.filters import search_projects
from kaigong.projects.models import Project
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


def test_two_or_more_characters_use_the_bigram_index_on_postgresql(projects):
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
        assert "kaigong_bigrams" not in sql
    assert {p.name for p in search_projects(Project.objects.all(), "光伏")} == {"光伏发电园区", "侯马市光伏农业示范"}
