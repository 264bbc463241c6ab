"""Reads of the heritage app: sites, the routing chain, and whether a project lies in a control zone.

The zones are held per process as prepared shapely geometries. Each check compares a cheap stamp (row count and
latest update of HeritageSite, one query) with the cached one and reloads when they differ, so an edit in another
process, a rolled-back import or a test's rollback is seen at once; the services also drop the cache on edit.
A project without location and site polygon is answered without touching the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from django.shortcuts import get_object_or_404
from shapely.geometry import shape
from shapely.ops import unary_union
from shapely.prepared import prep

from kaigong.heritage.geojson import project_geometry
from kaigong.heritage.models import HeritageRouting, HeritageSite
from kaigong.projects.models import Project

HERITAGE_MATTER_CODES = ("archaeological-survey", "heritage-impact-assessment", "heritage-consent")


@dataclass(frozen=True)
class Zone:
    site_id: int
    name: str
    geometry: object  # shapely geometry: control zone ∪ protection area
    prepared: object


@dataclass
class _ZoneCache:
    stamp: tuple
    zones: list[Zone]


_cache: _ZoneCache | None = None
_lock = threading.Lock()


def _stamp() -> tuple:
    row = HeritageSite.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (row["n"], row["latest"])


def _build(site_rows) -> list[Zone]:
    zones = []
    for site_id, name, control_zone, protection_area in site_rows:
        parts = [shape(g) for g in (control_zone, protection_area) if g]
        geometry = unary_union(parts) if len(parts) > 1 else parts[0]
        zones.append(Zone(site_id, name, geometry, prep(geometry)))
    return zones


def control_zones() -> list[Zone]:
    """The prepared zones of every site (cached per process, reloaded when the sites changed)."""
    global _cache
    stamp = _stamp()
    cache = _cache
    if cache is not None and cache.stamp == stamp:
        return cache.zones
    with _lock:
        rows = HeritageSite.objects.values_list("pk", "name", "control_zone", "protection_area").order_by("pk")
        _cache = _ZoneCache(stamp, _build(rows))
        return _cache.zones


def invalidate_zones() -> None:
    """Forget the cached geometries (after an edit): the next check reloads them."""
    global _cache
    _cache = None


def zones_touching(project) -> list[Zone]:
    """The zones the project's location point or site polygon intersects."""
    geometry = project_geometry(project)
    if geometry is None:
        return []
    return [zone for zone in control_zones() if zone.prepared.intersects(geometry)]


def project_in_control_zone(project) -> bool:
    """Whether ``project`` (its location or site polygon) lies in a heritage control zone or protection area.

    The checklist rule attribute ``in_heritage_control_zone`` reads this.
    """
    if project_geometry(project) is None:
        return False
    return bool(zones_touching(project))


def projects_in_zones(queryset=None) -> set[int]:
    """Ids of the located projects (of ``queryset``) that lie in any zone: one pass, for imports and deletions."""
    zones = control_zones()
    if not zones:
        return set()
    queryset = queryset if queryset is not None else Project.objects.all()
    located = queryset.exclude(latitude__isnull=True, site_polygon__isnull=True).values_list(
        "pk", "latitude", "longitude", "site_polygon"
    )
    inside = set()
    for pk, latitude, longitude, site_polygon in located.iterator(chunk_size=2000):
        holder = _Located(latitude, longitude, site_polygon)
        geometry = project_geometry(holder)
        if geometry is not None and any(zone.prepared.intersects(geometry) for zone in zones):
            inside.add(pk)
    return inside


@dataclass
class _Located:
    latitude: object
    longitude: object
    site_polygon: object


# --- pages and API ------------------------------------------------------------------------------------------------


def list_sites(*, user):
    """Every site: the zones are public planning information for everyone signed in."""
    return HeritageSite.objects.all()


def get_site(*, user, pk: int) -> HeritageSite:
    return get_object_or_404(list_sites(user=user), pk=pk)


def get_routing() -> HeritageRouting:
    """The routing configuration (its defaults when nobody has saved one)."""
    return HeritageRouting.objects.filter(pk=1).first() or HeritageRouting()


@dataclass
class ProjectHeritage:
    """What the heritage overlay says about one project: the sites it touches, the chain, its heritage items."""

    project: Project
    sites: list[HeritageSite]
    chain: list[tuple[str, str, str]]
    routing: HeritageRouting
    items: list

    @property
    def in_control_zone(self) -> bool:
        return bool(self.sites)

    @property
    def has_location(self) -> bool:
        return project_geometry(self.project) is not None


def get_project_heritage(*, user, project_pk: int) -> ProjectHeritage:
    """The heritage panel of a project the user sees (404 otherwise)."""
    from kaigong.approvals.models import ChecklistItem

    project = get_object_or_404(Project.objects.visible_to(user), pk=project_pk)
    site_ids = [zone.site_id for zone in zones_touching(project)]
    sites = list(HeritageSite.objects.filter(pk__in=site_ids)) if site_ids else []
    routing = get_routing()
    items = list(
        ChecklistItem.objects.filter(checklist__project=project, matter__code__in=HERITAGE_MATTER_CODES)
        .select_related("matter", "matter__department")
        .order_by("matter__sort_order")
    )
    return ProjectHeritage(project=project, sites=sites, chain=routing.chain(), routing=routing, items=items)
