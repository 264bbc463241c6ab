"""Writes of the heritage app: importing sites from GeoJSON, deleting them, configuring the approval chain.

Each write is audited in its transaction. Importing or deleting a site changes which projects lie in a control
zone; the checklists of exactly those projects are regenerated in the same transaction (the rules of issue 3 §3:
new heritage matters are added, not-started ones become not applicable, items with history are kept).
"""

from dataclasses import dataclass, field

from django.db import transaction

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.heritage.geojson import parse_sites
from kaigong.heritage.models import HeritageRouting, HeritageSite
from kaigong.heritage.selectors import invalidate_zones, projects_in_zones
from kaigong.projects.models import Project

SITE_FIELDS = ["name", "protection_level", "protection_area", "control_zone", "notes", "is_illustrative"]
ROUTING_FIELDS = ["end_level", "city_authority", "provincial_authority", "national_authority", "basis"]


def can_manage_heritage(user) -> bool:
    """Administrators import sites and configure the approval chain; everyone signed in reads them."""
    return user is not None and user.is_authenticated and user.is_kaigong_admin


def _check_manager(actor) -> None:
    if actor is not None and not can_manage_heritage(actor):
        raise PermissionDeniedError("只有系统管理员可以导入文物保护范围或修改文物审批路径")


@dataclass
class ImportResult:
    created: list[HeritageSite] = field(default_factory=list)
    updated: list[HeritageSite] = field(default_factory=list)
    unchanged: list[HeritageSite] = field(default_factory=list)
    regenerated: list[int] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "regenerated_checklists": len(self.regenerated),
        }


def _projects_with_checklists():
    return Project.objects.filter(checklist__isnull=False)


def _regenerate_changed(before: set[int], actor, actor_label: str) -> list[int]:
    """Regenerate the checklists of the projects whose in-zone status differs from ``before``."""
    from kaigong.approvals.services import generate_checklist

    invalidate_zones()
    after = projects_in_zones(_projects_with_checklists())
    changed = sorted(before ^ after)
    label = actor_label or str(actor or "") or "heritage"
    for project in Project.objects.filter(pk__in=changed).order_by("pk"):
        generate_checklist(project=project, actor=None, actor_label=label)
    return changed


@transaction.atomic
def import_sites(*, content: bytes | str, actor, actor_label: str = "", source_name: str = "") -> ImportResult:
    """Create or update (by name) the sites of a GeoJSON file; all or nothing. Raises GeoJSONImportError."""
    _check_manager(actor)
    specs = parse_sites(content)
    before = projects_in_zones(_projects_with_checklists())
    result = ImportResult()
    existing = {
        site.name: site for site in HeritageSite.objects.select_for_update().filter(name__in=[s.name for s in specs])
    }
    for spec in specs:
        values = {
            "protection_level": spec.protection_level,
            "protection_area": spec.protection_area,
            "control_zone": spec.control_zone,
            "notes": spec.notes,
            "is_illustrative": spec.is_illustrative,
        }
        site = existing.get(spec.name)
        if site is None:
            site = HeritageSite(name=spec.name, source_name=source_name[:200], **values)
            site.full_clean()
            site.save()
            record_event(
                action=AuditAction.CREATE,
                actor=actor,
                actor_label=actor_label,
                obj=site,
                changes={k: [None, v] for k, v in snapshot(site, SITE_FIELDS).items()},
                note=f"import: {source_name}"[:500],
            )
            result.created.append(site)
            continue
        old = snapshot(site, SITE_FIELDS)
        for name, value in values.items():
            setattr(site, name, value)
        changes = diff(old, snapshot(site, SITE_FIELDS))
        if not changes:
            result.unchanged.append(site)
            continue
        site.source_name = source_name[:200]
        site.full_clean()
        site.save()
        record_event(
            action=AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=site,
            changes=changes,
            note=f"import: {source_name}"[:500],
        )
        result.updated.append(site)
    transaction.on_commit(invalidate_zones)
    result.regenerated = _regenerate_changed(before, actor, actor_label)
    return result


@transaction.atomic
def delete_site(*, site: HeritageSite, actor, actor_label: str = "") -> list[int]:
    """Delete a site; the checklists of the projects that leave every zone are regenerated. Returns their ids."""
    _check_manager(actor)
    before = projects_in_zones(_projects_with_checklists())
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=site,
        changes={k: [v, None] for k, v in snapshot(site, SITE_FIELDS).items()},
    )
    site.delete()
    transaction.on_commit(invalidate_zones)
    return _regenerate_changed(before, actor, actor_label)


@transaction.atomic
def update_routing(*, actor, data: dict, actor_label: str = "") -> HeritageRouting:
    """Change the heritage approval chain (e.g. the end level: national by default, province where delegated)."""
    _check_manager(actor)
    routing, created = HeritageRouting.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(routing, ROUTING_FIELDS)
    for name, value in data.items():
        if name in ROUTING_FIELDS:
            setattr(routing, name, value.strip() if isinstance(value, str) and name != "end_level" else value)
    routing.full_clean()
    routing.save()
    changes = diff(before, snapshot(routing, ROUTING_FIELDS))
    if changes or created:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=routing, changes=changes)
    return routing
