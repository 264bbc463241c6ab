"""Reading heritage sites from a GeoJSON file, and the shapely geometry of sites and projects.

The file is a FeatureCollection. Each Feature draws one area of one site: ``properties.name`` names the site,
``properties.zone`` says which area (``control_zone`` / 建设控制地带, ``protection_area`` / 保护范围; default
``control_zone``), and the first feature of a site may carry ``protection_level`` (code or Chinese label),
``notes`` and ``is_illustrative``. Geometries are Polygon or MultiPolygon in WGS84 ([longitude, latitude]).
Every problem is reported with the feature's number; nothing is imported while any remains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

from kaigong.core.exceptions import KaigongError
from kaigong.heritage.choices import ProtectionLevel, Zone

MAX_FEATURES = 500
ZONE_ALIASES = {
    "control_zone": Zone.CONTROL_ZONE,
    "建设控制地带": Zone.CONTROL_ZONE,
    "protection_area": Zone.PROTECTION_AREA,
    "保护范围": Zone.PROTECTION_AREA,
}


class GeoJSONImportError(KaigongError):
    """A heritage GeoJSON file that cannot be imported; carries every problem found (msgid, params)."""

    code = "invalid_geojson"
    status = 400

    def __init__(self, problems: list[tuple[str, dict]]):
        self.problems = problems
        super().__init__(problems[0][0], params=problems[0][1])

    def _render(self, language: str) -> list[str]:
        with override(language):
            return [_(msgid) % params if params else _(msgid) for msgid, params in self.problems]

    @property
    def messages(self) -> list[str]:
        return self._render("zh-hans")

    @property
    def messages_en(self) -> list[str]:
        return self._render("en")

    @property
    def message(self) -> str:
        return "; ".join(self.messages)

    @property
    def message_en(self) -> str:
        return "; ".join(self.messages_en)

    def __str__(self) -> str:
        lines = []
        for zh, en in zip(self.messages, self.messages_en, strict=True):
            lines.append(zh if zh == en else f"{zh} ({en})")
        return "\n".join(lines)


@dataclass
class SiteSpec:
    """One site as read from the file, its areas as GeoJSON geometry dicts."""

    name: str
    protection_level: str = ProtectionLevel.NATIONAL
    notes: str = ""
    is_illustrative: bool = False
    control_zone: dict | None = None
    protection_area: dict | None = None
    features: list[int] = field(default_factory=list)


def _check_ring(ring, where: dict, problems: list) -> bool:
    if not isinstance(ring, list) or len(ring) < 4:
        problems.append((gettext_noop("第%(n)s个要素: 多边形的每个环至少要有4个点"), where))
        return False
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2])
        ):
            problems.append((gettext_noop("第%(n)s个要素: 坐标须为 [经度, 纬度] 数字对"), where))
            return False
        lon, lat = point[0], point[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(
                (
                    gettext_noop(
                        "第%(n)s个要素: 坐标 [%(lon)s, %(lat)s] 超出 WGS84 经纬度范围(经度 -180~180,纬度 -90~90;"
                        "顺序应为 [经度, 纬度])"
                    ),
                    {**where, "lon": lon, "lat": lat},
                )
            )
            return False
    if ring[0][:2] != ring[-1][:2]:
        problems.append((gettext_noop("第%(n)s个要素: 多边形的环须首尾闭合(第一个点与最后一个点相同)"), where))
        return False
    return True


def check_polygon(geometry, where: dict, problems: list) -> bool:
    """Append the problems of a GeoJSON Polygon/MultiPolygon (shape, WGS84 ranges, validity); True when fine."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        problems.append(
            (
                gettext_noop("第%(n)s个要素: 几何类型须为 Polygon 或 MultiPolygon,实为 %(kind)s"),
                {**where, "kind": kind},
            )
        )
        return False
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons or not all(isinstance(p, list) and p for p in polygons):
        problems.append((gettext_noop("第%(n)s个要素: 多边形坐标为空或格式不正确"), where))
        return False
    for polygon in polygons:
        for ring in polygon:
            if not _check_ring(ring, where, problems):
                return False
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError) as exc:
        problems.append((gettext_noop("第%(n)s个要素: 无法解析多边形(%(reason)s)"), {**where, "reason": str(exc)}))
        return False
    if not geom.is_valid:
        problems.append(
            (
                gettext_noop("第%(n)s个要素: 多边形无效(如自相交):%(reason)s"),
                {**where, "reason": explain_validity(geom)},
            )
        )
        return False
    if geom.is_empty or geom.area == 0:
        problems.append((gettext_noop("第%(n)s个要素: 多边形面积为零"), where))
        return False
    return True


def _level(value, where: dict, problems: list) -> str | None:
    if value in (None, ""):
        return ProtectionLevel.NATIONAL
    for code, label in ProtectionLevel.choices:
        with override("zh-hans"):
            if value in (code, str(label)):
                return code
    problems.append(
        (
            gettext_noop("第%(n)s个要素: 保护级别“%(value)s”无效,可用: %(allowed)s"),
            {**where, "value": value, "allowed": ", ".join(ProtectionLevel.values)},
        )
    )
    return None


def parse_sites(content: bytes | str) -> list[SiteSpec]:
    """The sites of a GeoJSON FeatureCollection; raises GeoJSONImportError listing every problem."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeoJSONImportError([(gettext_noop("文件不是有效的 JSON:%(reason)s"), {"reason": str(exc)})]) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoJSONImportError([(gettext_noop("文件须为 GeoJSON FeatureCollection"), {})])
    crs = data.get("crs")
    if crs:
        crs_name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else str(crs)
        if not any(token in crs_name for token in ("4326", "CRS84")):
            raise GeoJSONImportError(
                [(gettext_noop("坐标系须为 WGS84(EPSG:4326),文件声明为 %(crs)s"), {"crs": crs_name})]
            )
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise GeoJSONImportError([(gettext_noop("文件中没有要素:features 为空"), {})])
    if len(features) > MAX_FEATURES:
        raise GeoJSONImportError([(gettext_noop("要素过多(最多 %(max)s 个)"), {"max": MAX_FEATURES})])

    problems: list[tuple[str, dict]] = []
    sites: dict[str, SiteSpec] = {}
    for index, feature in enumerate(features, start=1):
        where = {"n": index}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append((gettext_noop("第%(n)s个要素: 须为 GeoJSON Feature"), where))
            continue
        properties = feature.get("properties") or {}
        name = str(properties.get("name") or "").strip()
        if not name:
            problems.append((gettext_noop("第%(n)s个要素: 缺少名称 properties.name"), where))
            continue
        if len(name) > 100:
            problems.append((gettext_noop("第%(n)s个要素: 名称过长(最多100字)"), where))
            continue
        zone = ZONE_ALIASES.get(str(properties.get("zone") or "control_zone").strip())
        if zone is None:
            problems.append(
                (
                    gettext_noop(
                        "第%(n)s个要素: zone“%(value)s”无效,应为 control_zone(建设控制地带)或 protection_area(保护范围)"
                    ),
                    {**where, "value": properties.get("zone")},
                )
            )
            continue
        if not check_polygon(feature.get("geometry"), where, problems):
            continue
        site = sites.get(name)
        if site is None:
            level = _level(properties.get("protection_level"), where, problems)
            if level is None:
                continue
            site = sites[name] = SiteSpec(
                name=name,
                protection_level=level,
                notes=str(properties.get("notes") or "").strip(),
                is_illustrative=bool(properties.get("is_illustrative", False)) or "示意" in name,
            )
        if getattr(site, zone) is not None:
            problems.append(
                (
                    gettext_noop("第%(n)s个要素: “%(name)s”的%(zone)s重复出现"),
                    {**where, "name": name, "zone": Zone(zone).label},
                )
            )
            continue
        setattr(site, zone, feature["geometry"])
        site.features.append(index)
    for site in sites.values():
        if site.control_zone is None:
            problems.append((gettext_noop("“%(name)s”缺少建设控制地带:zone = control_zone"), {"name": site.name}))
    if problems:
        raise GeoJSONImportError(problems)
    return list(sites.values())


# --- geometry of projects -------------------------------------------------------------------------------------


def project_geometry(project):
    """The shapely geometry of a project's site polygon and location point (a union), or None when it has none."""
    parts = []
    polygon = getattr(project, "site_polygon", None)
    if polygon:
        try:
            geom = shape(polygon)
            parts.append(geom if geom.is_valid else geom.buffer(0))
        except (ValueError, TypeError, AttributeError, KeyError):
            pass  # an unreadable polygon is refused by Project.clean(); the point still counts
    latitude, longitude = getattr(project, "latitude", None), getattr(project, "longitude", None)
    if latitude is not None and longitude is not None:
        parts.append(Point(float(longitude), float(latitude)))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    from shapely.ops import unary_union

    return unary_union(parts)
