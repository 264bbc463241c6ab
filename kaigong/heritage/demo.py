"""The demo city's illustrative heritage site: a control zone drawn near the city centre (~35.62N 111.37E).

The real construction control zone of the Jin State ruins (侯马晋国遗址) covers 96.59 km², about half the
city (DOMAIN.md §1.9); its published boundary is not in Kaigong. The polygons below are a sketch, named and
flagged as illustrative (示意), so that some demo projects fall inside and the heritage matters show.

The demo projects in the zone get their heritage routing, and the first of them an illustrative history (the
city office agreed, the province agreed with conditions, the request waits at the final level). The document
numbers and conditions are made up and say so.
"""

import datetime as dt

from django.utils import timezone

from kaigong.heritage.choices import Opinion
from kaigong.heritage.models import ProjectHeritageRouting
from kaigong.heritage.selectors import projects_in_zones
from kaigong.heritage.services import (
    ImportResult,
    forward_routing_step,
    import_sites,
    record_routing_reply,
    sync_project_routing,
)
from kaigong.projects.models import Project

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


# (days before today it was sent, days before today it was answered, opinion, conditions, document number with the
# reply's year), one row per level from the city up. The final level is only sent: its reply is awaited.
DEMO_HISTORY = [
    (70, 55, Opinion.APPROVED, "同意报省文物局审核。(示例)", "侯文物函〔{year}〕8号(示例)"),
    (50, 20, Opinion.CONDITIONAL, "施工前完成考古勘探;发现遗存须原址保护。(示例)", "晋文物函〔{year}〕31号(示例)"),
]
DEMO_FINAL_SENT = 15


def load_demo_heritage(*, actor_label: str = "命令 load-demo") -> ImportResult:
    """Import (or refresh) the illustrative site; projects with checklists that fall inside are regenerated, and
    their heritage routings created, one with a recorded history. Idempotent: a second run changes nothing."""
    import json

    result = import_sites(
        content=json.dumps(demo_geojson(), ensure_ascii=False),
        actor=None,
        actor_label=actor_label,
        source_name="demo",
    )
    load_demo_routings(actor_label=actor_label)
    return result


def load_demo_routings(*, actor_label: str, today: dt.date | None = None) -> ProjectHeritageRouting | None:
    """Create the routings of the demo projects in the zone; give the first one not yet sent an illustrative
    history through the services (audited like any other). Returns that routing, or None when no project lies in
    the zone or some routing has already been sent (a second run, or records someone made)."""
    today = today or timezone.localdate()
    inside = projects_in_zones(Project.objects.filter(checklist__isnull=False))
    routings = [
        sync_project_routing(project=project, actor=None, actor_label=actor_label, in_zone=True)
        for project in Project.objects.filter(pk__in=inside).order_by("pk")
    ]
    if not routings or any(r.steps.filter(sent_on__isnull=False).exists() for r in routings):
        return None
    routing = routings[0]
    for sent_days, replied_days, opinion, text, number in [*DEMO_HISTORY, (DEMO_FINAL_SENT, None, "", "", "")]:
        step = forward_routing_step(
            project=routing.project, actor=None, actor_label=actor_label, on=today - dt.timedelta(days=sent_days)
        )
        routing.refresh_from_db()
        if replied_days is None or routing.is_final_level(step.level):
            break  # the final level's reply is still awaited
        replied_on = today - dt.timedelta(days=replied_days)
        record_routing_reply(
            step=step,
            actor=None,
            actor_label=actor_label,
            opinion=opinion,
            on=replied_on,
            opinion_text=text,
            document_number=number.format(year=replied_on.year),
        )
    routing.refresh_from_db()
    return routing


def load_demo_part(actor_label: str) -> dict:
    """heritage's part of the demo city (registered in HeritageConfig.ready): nothing counted in the summary."""
    load_demo_heritage(actor_label=actor_label)
    return {}
