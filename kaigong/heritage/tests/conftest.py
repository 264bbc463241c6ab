"""Fixtures of the heritage tests: a square control zone around (111.37E, 35.62N) and projects in and out."""

import json
from decimal import Decimal

import pytest

from kaigong.heritage.selectors import invalidate_zones
from kaigong.projects.tests.factories import ProjectFactory

# A 0.02° square control zone (111.36–111.38E, 35.61–35.63N) and a smaller protection area inside it.
ZONE = {
    "type": "Polygon",
    "coordinates": [[[111.36, 35.61], [111.38, 35.61], [111.38, 35.63], [111.36, 35.63], [111.36, 35.61]]],
}
CORE = {
    "type": "Polygon",
    "coordinates": [[[111.365, 35.615], [111.375, 35.615], [111.375, 35.625], [111.365, 35.615]]],
}
INSIDE = (Decimal("35.620000"), Decimal("111.370000"))
OUTSIDE = (Decimal("35.700000"), Decimal("111.500000"))


def feature(name="晋国遗址(测试)", zone="control_zone", geometry=None, **properties):
    return {
        "type": "Feature",
        "properties": {"name": name, "zone": zone, **properties},
        "geometry": geometry if geometry is not None else ZONE,
    }


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


@pytest.fixture(autouse=True)
def _fresh_zone_cache():
    invalidate_zones()
    yield
    invalidate_zones()


@pytest.fixture
def good_file() -> str:
    return collection(
        feature(protection_level="全国重点文物保护单位", notes="测试"),
        feature(zone="protection_area", geometry=CORE),
    )


@pytest.fixture
def site(db, good_file):
    from kaigong.heritage.services import import_sites

    return import_sites(content=good_file, actor=None, actor_label="test").created[0]


@pytest.fixture
def project_inside(db, department, organization):
    lat, lon = INSIDE
    return ProjectFactory(
        name="古城片区改造", latitude=lat, longitude=lon, responsible_department=department, owner=organization
    )


@pytest.fixture
def project_outside(db, department, organization):
    lat, lon = OUTSIDE
    return ProjectFactory(
        name="新区物流园", latitude=lat, longitude=lon, responsible_department=department, owner=organization
    )
