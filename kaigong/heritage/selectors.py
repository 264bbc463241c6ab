"""Reads of the heritage app: sites, the routing chain, and whether a project lies in a control zone.

The zones are held per process as prepared shapely geometries. Each check compares a cheap stamp (row count and
latest update of HeritageSite, one query) with the cached one and reloads when they differ, so an edit in another
process, a rolled-back import or a test's rollback is seen at once; the services also drop the cache on edit.
A project without location and site polygon is answered without touching the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q
from django.shortcuts import get_object_or_404
from shapely.ops import unary_union
from shapely.prepared import prep

from kaigong.heritage.drawing import Drawing, draw_sites
from kaigong.heritage.geojson import project_geometry, to_shape
from kaigong.heritage.models import (
    HeritageRouting,
    HeritageRoutingStep,
    HeritageSite,
    ProjectHeritageRouting,
    pending_levels,
)
from kaigong.heritage.permissions import CONSENT_MATTER_CODE, can_record_routing
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
        parts = [to_shape(g) for g in (control_zone, protection_area) if g]
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


FULL_GEOMETRY = ("control_zone", "protection_area")
DISPLAY_GEOMETRY = ("display_control_zone", "display_protection_area")


def list_sites(*, user, display: bool = False, full: bool = False):
    """Every site: the zones are public planning information for everyone signed in.

    Boundaries can be megabytes: a list reads none of them unless asked, ``display`` the simplified areas the pages
    draw, ``full`` the imported ones. ``has_protection_area`` says whether a site has a protection area."""
    sites = HeritageSite.objects.annotate(
        has_protection_area=ExpressionWrapper(Q(protection_area__isnull=False), output_field=BooleanField())
    )
    deferred = (() if full else FULL_GEOMETRY) + (() if display or full else DISPLAY_GEOMETRY)
    return sites.defer(*deferred) if deferred else sites


def get_site(*, user, pk: int, full: bool = False) -> HeritageSite:
    """A site with its simplified areas (pages), or with its imported boundaries too (``full``: the API)."""
    return get_object_or_404(list_sites(user=user, display=True, full=full), pk=pk)


def get_routing() -> HeritageRouting:
    """The routing configuration (its defaults when nobody has saved one)."""
    return HeritageRouting.objects.filter(pk=1).first() or HeritageRouting()


def department_routing_reach(department_id: int) -> Q:
    """Projects with a heritage routing, for the heritage department (the one the catalogue names for the consent):
    its officers record the routing's steps, so it reads those projects (projects.scoping, registered in
    HeritageConfig.ready). Both conditions are subqueries: no query is made here."""
    from kaigong.approvals.models import ApprovalMatter

    return Q(Exists(ProjectHeritageRouting.objects.filter(project_id=OuterRef("pk")))) & Q(
        Exists(ApprovalMatter.objects.filter(code=CONSENT_MATTER_CODE, department_id=department_id))
    )


def heritage_projects(user):
    """The projects whose heritage page the user may open: the projects the user sees (for the heritage
    department, that includes every project with a heritage consent on its checklist or a heritage routing)."""
    return Project.objects.visible_to(user)


@dataclass
class RoutingView:
    """One project's heritage routing as a page or the API shows it: the routing (unsaved while nothing has been
    recorded), its steps (those sent, then the levels still to send as the configured chain has them now), and
    what the user may do."""

    project: Project
    routing: ProjectHeritageRouting | None
    steps: list[HeritageRoutingStep]
    in_control_zone: bool
    can_record: bool

    @property
    def is_recorded(self) -> bool:
        return self.routing is not None and self.routing.pk is not None

    @property
    def step_awaiting_reply(self) -> HeritageRoutingStep | None:
        return self.routing.step_awaiting_reply(self.steps) if self.routing else None

    @property
    def step_to_forward(self) -> HeritageRoutingStep | None:
        if self.routing is None:
            return None
        return self.routing.step_to_forward(self.steps, is_required=self.in_control_zone)

    @property
    def can_forward(self) -> bool:
        return self.can_record and self.step_to_forward is not None

    @property
    def can_reply(self) -> bool:
        return self.can_record and self.step_awaiting_reply is not None


def routing_view(*, user, project: Project, in_control_zone: bool, config: HeritageRouting | None = None):
    """The routing of ``project`` for ``user`` (who already may see the project). The levels still to send are
    computed from the configuration now, exactly as the recompute (services.sync_project_routing) stores them, so
    the page is right even before the next recompute."""
    config = config or get_routing()
    routing = ProjectHeritageRouting.objects.filter(project=project).first()
    if routing is None and not in_control_zone:
        return RoutingView(project, None, [], in_control_zone, False)
    if routing is None:
        routing = ProjectHeritageRouting(project=project, end_level=config.end_level)
        saved = []
    else:
        saved = list(routing.steps.select_related("forwarded_by", "recorded_by").order_by("order"))
    sent = [step for step in saved if step.is_sent]
    steps = list(sent)
    if routing.is_open_if(in_control_zone) and in_control_zone:
        stored = [step for step in saved if not step.is_sent]
        wanted = pending_levels(config.chain(), sent)
        if [(s.level, s.authority) for s in stored] == wanted:
            steps += stored
        else:
            start = sent[-1].order + 1 if sent else 1
            steps += [
                HeritageRoutingStep(routing=routing, order=start + i, level=level, authority=authority)
                for i, (level, authority) in enumerate(wanted)
            ]
    return RoutingView(project, routing, steps, in_control_zone, can_record_routing(user))


def get_heritage_project(*, user, project_pk: int) -> Project:
    """A project whose heritage page the user may open (404 otherwise)."""
    return get_object_or_404(heritage_projects(user), pk=project_pk)


def get_project_routing(*, user, project_pk: int) -> RoutingView:
    """The heritage routing of a project the user may open (404 otherwise)."""
    project = get_heritage_project(user=user, project_pk=project_pk)
    return routing_view(user=user, project=project, in_control_zone=project_in_control_zone(project))


def get_routing_step(*, user, project_pk: int, step_pk: int) -> HeritageRoutingStep:
    """A recorded step of the routing of a project the user may open (404 otherwise)."""
    project = get_heritage_project(user=user, project_pk=project_pk)
    return get_object_or_404(
        HeritageRoutingStep.objects.select_related("routing__project"), pk=step_pk, routing__project=project
    )


@dataclass
class ProjectHeritage:
    """What the heritage overlay says about one project: the sites it touches, the chain, its heritage items and
    its routing."""

    project: Project
    sites: list[HeritageSite]
    chain: list[tuple[str, str, str]]
    routing: HeritageRouting
    items: list
    project_routing: RoutingView | None = None

    @property
    def in_control_zone(self) -> bool:
        return bool(self.sites)

    @property
    def has_location(self) -> bool:
        return project_geometry(self.project) is not None

    @property
    def drawing(self) -> Drawing | None:
        """The sites' simplified areas and the project's location, for the page."""
        return draw_sites(self.sites, self.project) if self.sites else None

    @property
    def display_tolerance_m(self) -> float:
        return max((site.display_tolerance_m for site in self.sites), default=0)


def get_project_heritage(*, user, project_pk: int) -> ProjectHeritage:
    """The heritage panel of a project the user may open (404 otherwise)."""
    from kaigong.approvals.models import ChecklistItem

    project = get_heritage_project(user=user, project_pk=project_pk)
    site_ids = [zone.site_id for zone in zones_touching(project)]
    sites = list(HeritageSite.objects.defer(*FULL_GEOMETRY).filter(pk__in=site_ids)) if site_ids else []
    routing = get_routing()
    items = list(
        ChecklistItem.objects.filter(checklist__project=project, matter__code__in=HERITAGE_MATTER_CODES)
        .select_related("matter", "matter__department")
        .order_by("matter__sort_order")
    )
    project_routing = routing_view(user=user, project=project, in_control_zone=bool(sites), config=routing)
    return ProjectHeritage(
        project=project,
        sites=sites,
        chain=routing.chain(),
        routing=routing,
        items=items,
        project_routing=project_routing,
    )
