"""DeferredJoinPaginator: the same pages as Django's Paginator, in three queries (count, keys, rows)."""

import pytest
from django.core.paginator import Paginator

from kaigong.core.pagination import DeferredJoinPaginator
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(db):
    return ProjectFactory.create_batch(23)


def pages(paginator_class, queryset, per_page, orphans=0):
    paginator = paginator_class(queryset, per_page, orphans=orphans)
    return [[p.pk for p in paginator.page(n)] for n in paginator.page_range]


@pytest.mark.parametrize("ordering", [("-total_investment", "id"), ("category__sort_order", "-id"), ("name", "id")])
@pytest.mark.parametrize("per_page, orphans", [(5, 0), (10, 3), (50, 0)])
def test_pages_are_those_of_the_plain_paginator(projects, ordering, per_page, orphans):
    queryset = Project.objects.select_related("category", "owner").filter(year__gte=2000).order_by(*ordering)
    assert pages(DeferredJoinPaginator, queryset, per_page, orphans) == pages(Paginator, queryset, per_page, orphans)


def test_a_page_is_the_count_its_keys_and_its_rows_with_related_rows(projects, django_assert_num_queries):
    queryset = Project.objects.select_related("category", "owner").order_by("-total_investment", "id")
    paginator = DeferredJoinPaginator(queryset, 10)
    with django_assert_num_queries(3):
        rows = list(paginator.page(2))
        assert [row.category.name for row in rows]  # related rows came with the page
    assert len(rows) == 10


def test_querysets_without_joined_rows_are_paged_in_one_query(projects, django_assert_num_queries):
    paginator = DeferredJoinPaginator(Project.objects.order_by("id"), 10)
    assert paginator.count == 23
    with django_assert_num_queries(1):
        assert len(list(paginator.page(3))) == 3


@pytest.mark.parametrize(("page_size", "expected"), [("null", 23), ("0", 23), ("abc", 23), ("5", 5)])
def test_a_page_size_the_api_cannot_use_gives_the_default_page(projects, users, api_login, page_size, expected):
    """page_size=null (Schemathesis' probe), 0 or text answer the default page (50 rows), not a 404."""
    from kaigong.accounts.choices import Role

    response = api_login(users[Role.ADMIN]).get("/api/projects/", {"page_size": page_size})

    assert response.status_code == 200
    assert response.json()["count"] == 23
    assert len(response.json()["results"]) == expected
