"""The demo city's illustrative heritage site: a control zone drawn near the city centre (~35.62N 111.37E).

The real construction control zone of the Jin State ruins (侯马晋国遗址) covers 96.59 km², about half the
city (DOMAIN.md §1.9); its published boundary is not in Kaigong. The polygons below are a sketch, named and
flagged as illustrative (示意), so that some demo projects fall inside and the heritage matters show.
"""

from kaigong.heritage.services import ImportResult, import_sites

DEMO_SITE_NAME = "侯马晋国遗址(示意范围)"

# [longitude, latitude], closed rings. The control zone is an irregular ring around the centre; the protection
# area a smaller core inside it.
CONTROL_ZONE = [
    [
        [111.352, 35.606],
        [111.372, 35.603],
        [111.390, 35.609],
        [111.394, 35.624],
        [111.384, 35.636],
        [111.364, 35.638],
        [111.348, 35.628],
        [111.352, 35.606],
    ]
]
PROTECTION_AREA = [
    [
        [111.364, 35.614],
        [111.378, 35.614],
        [111.380, 35.626],
        [111.366, 35.628],
        [111.364, 35.614],
    ]
]


def demo_geojson() -> dict:
    properties = {
        "name": DEMO_SITE_NAME,
        "protection_level": "national",
        "notes": "示意:范围为演示而绘,并非公布的保护范围和建设控制地带。",
        "is_illustrative": True,
    }
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {**properties, "zone": "control_zone"},
                "geometry": {"type": "Polygon", "coordinates": CONTROL_ZONE},
            },
            {
                "type": "Feature",
                "properties": {**properties, "zone": "protection_area"},
                "geometry": {"type": "Polygon", "coordinates": PROTECTION_AREA},
            },
        ],
    }


def load_demo_heritage(*, actor_label: str = "kaigong load-demo") -> ImportResult:
    """Import (or refresh) the illustrative site; projects with checklists that fall inside are regenerated.
    Idempotent: a second run changes nothing."""
    import json

    return import_sites(
        content=json.dumps(demo_geojson(), ensure_ascii=False),
        actor=None,
        actor_label=actor_label,
        source_name="demo",
    )
