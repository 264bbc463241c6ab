"""Drawing heritage zones on a page: the simplified geometry stored at import, and the SVG the pages draw from it.

A site's boundary may have a hundred thousand vertices; a page is a few hundred pixels wide. At import each area is
simplified (Douglas-Peucker, topology preserved) with the smallest tolerance of DISPLAY_TOLERANCES_M that brings it
under DISPLAY_MAX_VERTICES, and stored beside it (HeritageSite.display_control_zone, display_protection_area) with
how far the drawing strays from the boundary, measured (Hausdorff distance: GEOS's simplification of a ring can
stray up to about 1.5 times its tolerance), so the page can say "within N metres" truthfully. Pages draw only the
stored shapes: no page parses or simplifies a full boundary. The zone checks (selectors) keep the full geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from shapely.geometry import mapping

from kaigong.heritage.choices import Zone
from kaigong.heritage.geojson import to_shape

# One degree of latitude in metres; a tolerance in degrees bounds the deviation in metres by this factor (a degree
# of longitude is shorter), so tolerance_m / METRES_PER_DEGREE never lets the drawing stray further than tolerance_m.
METRES_PER_DEGREE = 111_320
DISPLAY_TOLERANCES_M = (0.5, 1.0, 2.0, 3.0)
DISPLAY_MAX_VERTICES = 2_000
DRAWING_WIDTH = 600


def _rounded(value):
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return round(value, 7)  # ~1 cm


def _count(geom) -> int:
    polygons = getattr(geom, "geoms", [geom])
    return sum(len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors) for p in polygons)


@dataclass
class Simplified:
    geometry: dict | None
    tolerance_m: float  # how far the drawing strays from the boundary at most (metres, measured, rounded up)
    vertices: int


def simplify_for_display(geometry: dict | None) -> Simplified:
    """The GeoJSON ``geometry`` simplified for drawing, with the tolerance used (metres) and its vertex count."""
    if not geometry:
        return Simplified(None, 0.0, 0)
    full = to_shape(geometry)
    if _count(full) <= DISPLAY_MAX_VERTICES:
        as_given = {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])}
        return Simplified(as_given, 0.0, _count(full))
    for tolerance_m in DISPLAY_TOLERANCES_M:
        simple = full.simplify(tolerance_m / METRES_PER_DEGREE, preserve_topology=True)
        if _count(simple) <= DISPLAY_MAX_VERTICES:
            break
    as_json = mapping(simple)
    strays_m = math.ceil(full.hausdorff_distance(simple) * METRES_PER_DEGREE * 10) / 10
    return Simplified(
        {"type": as_json["type"], "coordinates": _rounded(as_json["coordinates"])}, strays_m, _count(simple)
    )


# --- SVG ------------------------------------------------------------------------------------------------------------


@dataclass
class Shape:
    kind: str  # control_zone, protection_area, project
    label: str
    path: str


@dataclass
class Drawing:
    """An SVG drawing: its viewBox, the shapes (paths) and the project's location point, in drawing units."""

    width: int
    height: int
    shapes: list[Shape] = field(default_factory=list)
    point: tuple[float, float] | None = None

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def draw(
    areas: list[tuple[str, str, dict | None]], point: tuple[float, float] | None = None, width: int = DRAWING_WIDTH
) -> Drawing | None:
    """An SVG drawing of ``areas`` ([(kind, label, GeoJSON Polygon/MultiPolygon)], already simplified) and of a
    location ``point`` ((longitude, latitude)), north up, longitudes shortened by the cosine of the latitude so
    the shapes keep their proportions. None when there is nothing to draw."""
    areas = [(kind, label, geometry) for kind, label, geometry in areas if geometry]
    xs, ys = [], []
    for _kind, _label, geometry in areas:
        for polygon in _polygons(geometry):
            for ring in polygon:
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
    if point is not None:
        xs.append(point[0])
        ys.append(point[1])
    if not xs:
        return None
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    shrink = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * shrink, north - south
    if not span_x and not span_y:  # a lone point: a drawing about 100 m across
        span_x = span_y = 0.001
    longest = max(span_x, span_y)
    margin = 0.05 * longest
    scale = width / (longest + 2 * margin)
    drawn_width = max(1, round((span_x + 2 * margin) * scale))
    height = max(1, round((span_y + 2 * margin) * scale))

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round(((lon - west) * shrink + margin) * scale, 1), round(((north - lat) + margin) * scale, 1)

    drawing = Drawing(width=drawn_width, height=height)
    for kind, label, geometry in areas:
        parts = []
        for polygon in _polygons(geometry):
            for ring in polygon:
                points = [xy(p[0], p[1]) for p in ring]
                parts.append("M" + " L".join(f"{x} {y}" for x, y in points) + " Z")
        drawing.shapes.append(Shape(kind, label, " ".join(parts)))
    if point is not None:
        drawing.point = xy(*point)
    return drawing


def draw_sites(sites, project=None) -> Drawing | None:
    """The drawing of ``sites``' simplified areas (control zone, then protection area over it) and, when given,
    of the project's site polygon and location point."""
    areas = []
    for site in sites:
        areas.append(("control_zone", f"{site.name} · {Zone.CONTROL_ZONE.label}", site.display_control_zone))
        areas.append(("protection_area", f"{site.name} · {Zone.PROTECTION_AREA.label}", site.display_protection_area))
    point = None
    if project is not None:
        polygon = getattr(project, "site_polygon", None)
        if isinstance(polygon, dict) and polygon.get("type") in ("Polygon", "MultiPolygon"):
            areas.append(("project", project.name, polygon))
        if project.latitude is not None and project.longitude is not None:
            point = (float(project.longitude), float(project.latitude))
    return draw(areas, point)
