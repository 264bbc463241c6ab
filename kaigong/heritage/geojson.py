"""Reading heritage sites from a GeoJSON file, and the shapely geometry of sites and projects.

The file is a FeatureCollection. Each Feature draws one area of one site: ``properties.name`` names the site,
``properties.zone`` says which area (``control_zone`` / 建设控制地带, ``protection_area`` / 保护范围; default
``control_zone``), and the first feature of a site may carry ``protection_level`` (code or Chinese label),
``notes`` and ``is_illustrative``. Geometries are Polygon or MultiPolygon in WGS84 ([longitude, latitude]).
Every problem is reported with the feature's number; nothing is imported while any remains.

The file is untrusted input, read under limits before anything costly happens (issue 10 §5): its size (the
setting KAIGONG_HERITAGE_GEOJSON_MAX_BYTES), its nesting depth (counted on the text, before json can recurse), the
number of features, and the vertices of each geometry and of the whole file. The page upload, the API and the
command all read through ``parse_json``, so each limit answers the same bilingual message everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

from kaigong.core.exceptions import KaigongError
from kaigong.core.parsers import nesting_depth
from kaigong.heritage.choices import ProtectionLevel, Zone

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# A FeatureCollection of MultiPolygons nests 7 levels (collection, features, feature, geometry, polygons, rings,
# points); properties may add a few. Anything deeper is not GeoJSON a heritage office draws.
MAX_DEPTH = 20
MAX_FEATURES = 500
# An official boundary surveyed to the metre has a few thousand vertices; these leave room and keep validation and
# the zone checks fast. Settings of the same names (KAIGONG_HERITAGE_MAX_VERTICES_PER_GEOMETRY, …_PER_FILE) may
# change them.
MAX_VERTICES_PER_GEOMETRY = 100_000
MAX_VERTICES_PER_FILE = 200_000
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


def max_bytes() -> int:
    """The largest GeoJSON file or request body accepted (bytes)."""
    return int(getattr(settings, "KAIGONG_HERITAGE_GEOJSON_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_vertices_per_geometry() -> int:
    return int(getattr(settings, "KAIGONG_HERITAGE_MAX_VERTICES_PER_GEOMETRY", MAX_VERTICES_PER_GEOMETRY))


def max_vertices_per_file() -> int:
    return int(getattr(settings, "KAIGONG_HERITAGE_MAX_VERTICES_PER_FILE", MAX_VERTICES_PER_FILE))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def check_size(size: int | None) -> None:
    """Refuse a file or body of ``size`` bytes above the limit (None: not known yet, nothing to say)."""
    limit = max_bytes()
    if size is not None and size > limit:
        raise GeoJSONImportError(
            [
                (
                    gettext_noop(
                        "文件过大:%(size)s 字节,超过上限 %(max)s 字节(%(max_mb)s MB);请拆分成几个文件或简化边界后再导入"
                    ),
                    {"size": size, "max": limit, "max_mb": _megabytes(limit)},
                )
            ]
        )


def declared_length(meta) -> int | None:
    """A request's declared body length (Content-Length), or None when it declares none."""
    try:
        return int(meta.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def read_limited(stream, *, declared: int | None = None, overhead: int = 0) -> bytes:
    """The body of ``stream``, up to the limit plus ``overhead`` (what wraps the GeoJSON in it): a longer body is
    refused without reading the rest, a body declared longer (``declared``: its Content-Length) before any."""
    check_size(None if declared is None else declared - overhead)
    limit = max_bytes()
    content = stream.read(limit + overhead + 1) if stream is not None else b""
    if len(content) > limit + overhead:
        raise GeoJSONImportError(
            [
                (
                    gettext_noop("文件过大:超过上限 %(max)s 字节(%(max_mb)s MB);请拆分成几个文件或简化边界后再导入"),
                    {"max": limit, "max_mb": _megabytes(limit)},
                )
            ]
        )
    return content


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode(json.detect_encoding(content))
    except (UnicodeDecodeError, LookupError) as exc:
        raise GeoJSONImportError(
            [(gettext_noop("文件不是有效的 JSON:无法按 UTF-8 解码(%(reason)s)"), {"reason": str(exc)})]
        ) from None


def parse_json(content: bytes | str, *, overhead: int = 0):
    """The JSON value of an untrusted GeoJSON file or body, after its size (less ``overhead``, what wraps the GeoJSON
    in a body) and its nesting depth are checked."""
    check_size(len(content.encode() if isinstance(content, str) else content) - overhead)
    text = _decode(content)
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise GeoJSONImportError(
            [
                (
                    gettext_noop("JSON 嵌套过深:%(depth)s 层,最多 %(max)s 层;GeoJSON 用不到这样的嵌套,请检查文件"),
                    {"depth": depth, "max": MAX_DEPTH},
                )
            ]
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoJSONImportError(
            [
                (
                    gettext_noop("文件不是有效的 JSON:第 %(line)s 行第 %(column)s 列,%(reason)s"),
                    {"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
                )
            ]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise GeoJSONImportError([(gettext_noop("文件不是有效的 JSON:%(reason)s"), {"reason": str(exc)})]) from None


def vertex_count(geometry) -> int:
    """The vertices of a GeoJSON Polygon/MultiPolygon (0 for anything else), without building it."""
    if not isinstance(geometry, dict):
        return 0
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return 0
    return sum(
        len(ring) for polygon in polygons if isinstance(polygon, list) for ring in polygon if isinstance(ring, list)
    )


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


def parse_sites(content: bytes | str | dict) -> list[SiteSpec]:
    """The sites of a GeoJSON FeatureCollection (the file's content, or its JSON value already read through
    parse_json); raises GeoJSONImportError listing every problem."""
    data = content if isinstance(content, dict) else parse_json(content)
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
        raise GeoJSONImportError(
            [
                (
                    gettext_noop("要素过多:%(count)s 个,最多 %(max)s 个;请拆分成几个文件导入"),
                    {"count": len(features), "max": MAX_FEATURES},
                )
            ]
        )
    total = sum(vertex_count(f.get("geometry")) for f in features if isinstance(f, dict))
    if total > max_vertices_per_file():
        raise GeoJSONImportError(
            [
                (
                    gettext_noop("文件的顶点过多:共 %(count)s 个,最多 %(max)s 个;请简化边界或拆分成几个文件导入"),
                    {"count": total, "max": max_vertices_per_file()},
                )
            ]
        )

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
        vertices = vertex_count(feature.get("geometry"))
        if vertices > max_vertices_per_geometry():
            problems.append(
                (
                    gettext_noop("第%(n)s个要素: 顶点过多,%(count)s 个,每个几何最多 %(max)s 个;请简化边界后再导入"),
                    {**where, "count": vertices, "max": max_vertices_per_geometry()},
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


# --- geometry of sites and projects ------------------------------------------------------------------------------


def to_shape(geometry: dict):
    """The shapely geometry of a GeoJSON Polygon/MultiPolygon, built from arrays: for a boundary of 200k vertices
    about six times faster than shapely's shape() (0.05 s instead of 0.3 s), which the zone cache and the
    simplification at import pay. Anything unusual (3D points mixed with 2D, other types) goes through shape()."""
    try:
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        built = [
            shapely.polygons(
                shapely.linearrings(numpy.asarray(polygon[0], dtype=float)[:, :2]),
                holes=[shapely.linearrings(numpy.asarray(ring, dtype=float)[:, :2]) for ring in polygon[1:]] or None,
            )
            for polygon in polygons
        ]
        return built[0] if geometry["type"] == "Polygon" else shapely.multipolygons(built)
    except (ValueError, TypeError, IndexError, KeyError, shapely.errors.GEOSException):
        return shape(geometry)


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
