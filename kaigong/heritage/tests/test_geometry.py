"""Whether a project lies in a control zone: point, polygon, none, and the per-process cache."""

from types import SimpleNamespace

import pytest

from kaigong.approvals.rules import project_facts
from kaigong.heritage.models import HeritageSite
from kaigong.heritage.selectors import control_zones, project_in_control_zone, projects_in_zones


def located(lat=None, lon=None, polygon=None):
    return SimpleNamespace(latitude=lat, longitude=lon, site_polygon=polygon)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (35.62, 111.37, True),  # centre
        (35.6101, 111.3799, True),  # near a corner, inside
        (35.609, 111.37, False),  # just south
        (35.62, 111.381, False),  # just east
        (35.70, 111.50, False),
    ],
)
def test_point_inside_and_outside(site, lat, lon, expected):
    assert project_in_control_zone(located(lat, lon)) is expected


def test_polygon_intersecting_the_zone_counts_even_when_the_point_is_outside(site):
    overlapping = {
        "type": "Polygon",
        "coordinates": [[[111.375, 35.625], [111.40, 35.625], [111.40, 35.64], [111.375, 35.64], [111.375, 35.625]]],
    }
    apart = {"type": "Polygon", "coordinates": [[[111.39, 35.64], [111.40, 35.64], [111.40, 35.65], [111.39, 35.64]]]}
    assert project_in_control_zone(located(35.70, 111.50, overlapping)) is True
    assert project_in_control_zone(located(None, None, overlapping)) is True
    assert project_in_control_zone(located(None, None, apart)) is False
    multi = {"type": "MultiPolygon", "coordinates": [apart["coordinates"], overlapping["coordinates"]]}
    assert project_in_control_zone(located(None, None, multi)) is True


def test_a_project_without_location_is_outside_without_a_query(site, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert project_in_control_zone(located()) is False


def test_the_rule_attribute_reads_the_overlay(site):
    assert project_facts(located(35.62, 111.37))["in_heritage_control_zone"] is True
    assert project_facts(located(35.70, 111.50))["in_heritage_control_zone"] is False


def test_cached_geometries_follow_edits_and_deletions(site, django_assert_max_num_queries):
    control_zones()
    with django_assert_max_num_queries(1):  # the stamp only: geometries come from the cache
        assert project_in_control_zone(located(35.62, 111.37))
    # An edit outside the services (another process, an admin shell) is seen through the stamp.
    moved = {"type": "Polygon", "coordinates": [[[111.0, 35.0], [111.1, 35.0], [111.1, 35.1], [111.0, 35.0]]]}
    HeritageSite.objects.filter(pk=site.pk).update(
        control_zone=moved, protection_area=None, updated_at=site.updated_at.replace(year=2030)
    )
    assert project_in_control_zone(located(35.62, 111.37)) is False
    HeritageSite.objects.all().delete()
    assert control_zones() == []
    assert project_in_control_zone(located(35.02, 111.05)) is False


def test_no_sites_no_zone(db):
    assert project_in_control_zone(located(35.62, 111.37)) is False
    assert projects_in_zones() == set()


def test_projects_in_zones_scans_located_projects(site, project_inside, project_outside):
    assert projects_in_zones() == {project_inside.pk}
