"""Open data: the projects a user may see as an OC4IDS project package (Open Contracting for Infrastructure Data
Standard 0.9, DOMAIN.md §6), for the API (progress/api/oc4ids.py) and the office's CLI (``write_package``).

The package follows the schema vendored in ``data/oc4ids/`` (the tests validate against it). Projects are read in
chunks by primary key (``CHUNK`` projects and one query for their current reports per chunk), so a city's package
is built, and written by ``write_package``, without one query per project and without holding every row at once.

Choices worth knowing (each one also commented where it is made):

- ``id`` is ``KAIGONG_OC4IDS_PREFIX`` + "-" + the project's database id: stable for the project's life, unlike its
  项目代码, which a planning project may still lack; the 项目代码 is an identifier with Kaigong's scheme name
  ``CN-TZXMDM`` (not a registered scheme; data/oc4ids/README.md).
- Money is Decimal 万元 in Kaigong and CNY in the package: 万元 × 10000 exactly, turned into a JSON number at the last
  step (an int whenever the amount is whole yuan, which two-place 万元 always are).
- ``type`` (construction/rehabilitation/…) is omitted: Kaigong records no 建设性质 (新建/改扩建), and guessing it
  from the name would publish an invention. ``sector`` comes from the national 审批流程类型 only where it has a
  faithful counterpart in the projectSector codelist (交通类 → transport, 能源类 → energy); the city's own
  categories (产业类, 民生社会事业类 …) are editable data that cut across the codelist's sectors.
- ``milestones`` (approvals as type "approval") are omitted: the checklist lives in the approvals app, which the
  progress app may not import (both sit in one layer of the import contract), and reading its tables by name would
  only hide that dependency from the contract.
- The monthly figures are those of the current reports (any status but superseded: the same reports the cumulatives,
  the lights and the bulletin count).
"""

import calendar
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from kaigong.accounts.choices import OrganizationKind
from kaigong.progress import measures
from kaigong.progress.models import ProgressReport
from kaigong.progress.selectors import CURRENT
from kaigong.projects.choices import ProjectClass, Stage
from kaigong.projects.models import Project

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "oc4ids"
PACKAGE_SCHEMA = SCHEMA_DIR / "project-package-schema.json"
PROJECT_SCHEMA = SCHEMA_DIR / "project-schema.json"
VERSION = "0.9"  # the package's "version": major.minor of the vendored 0.9.5 schema

DEFAULT_PREFIX = "oc4ids-kaigong-141081"
DEFAULT_REGION = "141081"  # 侯马市's administrative division code (GB/T 2260)
CURRENCY = "CNY"
PROJECT_CODE_SCHEME = "CN-TZXMDM"  # 投资项目统一代码: Kaigong's name for the scheme, not a registered one
CREDIT_CODE_SCHEME = "CN-USCC"  # 统一社会信用代码, as org-id.guide lists it
CHUNK = 500

YUAN_PER_WAN = Decimal(10000)
CENT = Decimal("0.01")
PERCENT_UNIT = {"name": "percent", "scheme": "UNCEFACT", "id": "P1"}  # as the standard's example gives it

# Kaigong's stage → the projectStatus codelist (closed). Paused projects are mapped by whether they had started
# (see _status): OC4IDS has no "suspended" status, and a pause is neither a cancellation nor a completion.
STATUS = {
    Stage.PLANNING: "identification",  # 谋划: the decision to develop the project is being made
    Stage.PREPARATION: "preparation",  # 前期: feasibility, approvals, design
    Stage.STARTED: "implementation",  # 新开工
    Stage.CONSTRUCTION: "implementation",  # 在建
    Stage.COMPLETED: "completion",  # 竣工: handover and close-out
    Stage.OPERATING: "maintenance",  # 投产: the codelist says maintenance "is also called operation"
    Stage.WITHDRAWN: "cancelled",  # 退库: inactive, not carried on
}

# 审批流程类型 → projectSector, only where the codelist has the same sector; the other classes (房屋建筑, 线性工程,
# 社会投资, 工业, 水利 …) describe the approval route or span several of the codelist's sectors.
SECTORS = {
    ProjectClass.TRANSPORT: ["transport"],
    ProjectClass.ENERGY: ["energy"],
}

REPORT_FIELDS = (
    "project_id",
    "month",
    "monthly_investment",
    "year_to_date",
    "since_start",
    "visible_progress",
    "visible_stage",
    "updated_at",
)


def project_package(
    *,
    user,
    projects: QuerySet | None = None,
    publisher_name: str | None = None,
    uri: str | None = None,
    published: dt.datetime | None = None,
) -> dict:
    """The OC4IDS project package of the projects ``user`` sees (``Project.objects.visible_to``), narrowed to
    ``projects`` (a filtered queryset, e.g. from ProjectFilterSet) when given. ``user=None`` is the whole city: only
    for the office's CLI, which runs on the server.

    ``published`` defaults to the last change of the projects or their reports (the standard asks a package made on
    demand to carry the date of its contents, not the time of the request). Note that the standard wants at least
    one project: a package of nobody's projects does not validate."""
    scope = package_scope(user=user, projects=projects)
    return {
        **_package_header(scope, publisher_name=publisher_name, uri=uri, published=published),
        "projects": list(iter_projects(scope)),
    }


def write_package(
    out: IO[str] | str | Path,
    *,
    user=None,
    projects: QuerySet | None = None,
    publisher_name: str | None = None,
    uri: str | None = None,
    published: dt.datetime | None = None,
) -> int:
    """Write the package as JSON (UTF-8) to ``out`` (a path or a text file), a project at a time, and return the
    number of projects. ``user=None``: the whole city (the office's CLI, ``kaigong progress oc4ids --out FILE``)."""
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8") as handle:
            return write_package(
                handle, user=user, projects=projects, publisher_name=publisher_name, uri=uri, published=published
            )
    scope = package_scope(user=user, projects=projects)
    header = _package_header(scope, publisher_name=publisher_name, uri=uri, published=published)
    # The header without its closing brace, then the projects one by one: the same document json.dumps would give.
    out.write(json.dumps({**header, "projects": []}, ensure_ascii=False, indent=2)[: -len("[]\n}")] + "[")
    count = 0
    for project in iter_projects(scope):
        out.write(("," if count else "") + "\n    " + json.dumps(project, ensure_ascii=False))
        count += 1
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


def package_scope(*, user, projects: QuerySet | None = None) -> QuerySet:
    """The projects of the package: those the user sees, intersected with ``projects`` (so a caller's unscoped or
    joined queryset neither widens the package nor repeats a project)."""
    scope = Project.objects.all() if user is None else Project.objects.visible_to(user)
    if projects is not None:
        scope = scope.filter(pk__in=projects.values("pk"))
    return scope


def prefix() -> str:
    """The project id prefix (settings.KAIGONG_OC4IDS_PREFIX): an OCID-like prefix a publisher registers."""
    return getattr(settings, "KAIGONG_OC4IDS_PREFIX", "") or DEFAULT_PREFIX


def project_id(project_pk: int) -> str:
    return f"{prefix()}-{project_pk}"


def iter_projects(scope: QuerySet) -> Iterator[dict]:
    """The OC4IDS project of each project in ``scope``, in id order, read ``CHUNK`` projects at a time (keyset
    pagination: a chunk's query does not slow down as the export goes on)."""
    base = scope.select_related("owner", "responsible_department").order_by("pk")
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        reports = defaultdict(list)
        rows = (
            ProgressReport.objects.filter(CURRENT, project_id__in=[p.pk for p in chunk])
            .order_by("project_id", "month")
            .only(*REPORT_FIELDS)
        )
        for report in rows:
            reports[report.project_id].append(report)
        for project in chunk:
            yield oc4ids_project(project, reports[project.pk])
        if len(chunk) < CHUNK:
            return
        last = chunk[-1].pk


def oc4ids_project(project: Project, reports: list[ProgressReport]) -> dict:
    """One project in OC4IDS, from the project and its current reports in month order. Empty values are left out
    (the schema's strings and arrays must not be empty)."""
    data = {
        "id": project_id(project.pk),
        "updated": _datetime(max([project.updated_at, *(r.updated_at for r in reports)])),
        "language": "zh",
        "title": project.name,
    }
    if project.project_code:
        data["identifiers"] = [{"id": project.project_code, "scheme": PROJECT_CODE_SCHEME}]
    if project.construction_content.strip():
        data["description"] = project.construction_content.strip()
    data["status"] = _status(project)
    if sectors := SECTORS.get(project.project_class):
        data["sector"] = sectors
    data["budget"] = _budget(project)
    if period := _period(project.planned_start_date, project.planned_completion_date):
        data["period"] = period
    if location := _location(project):
        data["locations"] = [location]
    parties = _parties(project)
    if parties:
        data["parties"] = parties
        # The owner first when it is a public body (it develops the asset), else the responsible department.
        authority = next((p for p in parties if "publicAuthority" in p["roles"]), None)
        if authority:
            data["publicAuthority"] = {"id": authority["id"], "name": authority["name"]}
    if period := _period(project.actual_start_date, project.actual_completion_date):
        data["implementationPeriod"] = period
    if completion := _completion(project, reports):
        data["completion"] = completion
    if metrics := _metrics(project, reports):
        data["metrics"] = metrics
    return data


def _package_header(scope: QuerySet, *, publisher_name, uri, published) -> dict:
    city = getattr(settings, "KAIGONG_CITY_NAME", "")
    if published is None:
        published = _last_change(scope) or timezone.now()
    return {
        "uri": uri or getattr(settings, "KAIGONG_OC4IDS_URI", "") or f"urn:kaigong:oc4ids:{prefix()}",
        "publishedDate": _datetime(published),
        "version": VERSION,
        "publisher": {"name": publisher_name or gettext("%(city)s重点项目办公室") % {"city": city}},
    }


def _last_change(scope: QuerySet) -> dt.datetime | None:
    projects = scope.aggregate(last=Max("updated_at"))["last"]
    reports = ProgressReport.objects.filter(CURRENT, project__in=scope.values("pk")).aggregate(last=Max("updated_at"))
    return max((d for d in (projects, reports["last"]) if d is not None), default=None)


def _status(project: Project) -> str:
    if project.stage == Stage.PAUSED:
        # A paused project stays where it was: started ones in implementation, the others still in preparation.
        return "implementation" if project.actual_start_date else "preparation"
    return STATUS[project.stage]


def _budget(project: Project) -> dict:
    budget = {"amount": _value(project.total_investment)}
    if project.annual_planned_investment:
        # The annual plan (年度计划投资) is the budget of the plan year: a breakdown by year, as the standard's
        # example gives yearly allocations.
        year = project.year
        budget["budgetBreakdowns"] = [
            {
                "id": "annualPlan",
                "budgetBreakdown": [
                    {
                        "id": str(year),
                        "amount": _value(project.annual_planned_investment),
                        "period": _period(dt.date(year, 1, 1), dt.date(year, 12, 31)),
                    }
                ],
            }
        ]
    return budget


def _location(project: Project) -> dict | None:
    has_point = project.latitude is not None and project.longitude is not None
    if not has_point and not project.address.strip():
        return None
    location = {"id": "1"}
    if has_point:
        # GeoJSON order: longitude first.
        location["geometry"] = {"type": "Point", "coordinates": [float(project.longitude), float(project.latitude)]}
    address = {"region": getattr(settings, "KAIGONG_OC4IDS_REGION", "") or DEFAULT_REGION, "countryName": "中国"}
    if project.address.strip():
        address["streetAddress"] = project.address.strip()
    if project.township.strip():
        address["locality"] = project.township.strip()
    location["address"] = address
    return location


def _parties(project: Project) -> list[dict]:
    parties = []
    if owner := project.owner:
        # The owner (建设单位) pays for the works from its budget: the buyer. A public body (机关/事业单位) that owns
        # the project is also the entity developing the asset: the public authority.
        roles = ["buyer"]
        if owner.kind == OrganizationKind.INSTITUTION:
            roles.append("publicAuthority")
        party = {"id": f"org-{owner.pk}", "name": owner.name, "roles": roles}
        if owner.credit_code:
            party["identifier"] = {"scheme": CREDIT_CODE_SCHEME, "id": owner.credit_code, "legalName": owner.name}
        if owner.address.strip():
            party["address"] = {"streetAddress": owner.address.strip()}
        parties.append(party)
    if department := project.responsible_department:
        # The responsible department (责任单位) answers to the city for the project's delivery: the government's
        # public authority for it, whoever owns it.
        parties.append({"id": f"dept-{department.pk}", "name": department.name, "roles": ["publicAuthority"]})
    return parties


def _completion(project: Project, reports: list[ProgressReport]) -> dict | None:
    if project.stage not in (Stage.COMPLETED, Stage.OPERATING):
        return None
    completion = {}
    if project.actual_completion_date:
        completion["endDate"] = _end(project.actual_completion_date)
    if reports:
        # The investment completed since the start as last reported (开工以来累计): what the project cost.
        completion["finalValue"] = _value(reports[-1].since_start)
    return completion or None


def _metrics(project: Project, reports: list[ProgressReport]) -> list[dict]:
    """financialProgress and physicalProgress, one set of observations per reported month, told apart by
    ``dimensions.cumulation`` (this month / the year to date / since the start)."""
    financial, physical = [], []
    for report in reports:
        key = f"{report.month:%Y-%m}"
        month = _period(report.month, _month_end(report.month))
        year = _period(report.month.replace(month=1), _month_end(report.month))
        financial.append(
            {
                "id": key,
                "period": month,
                "value": _value(report.monthly_investment),
                "dimensions": {"cumulation": "month"},
            }
        )
        financial.append(
            {
                "id": f"{key}-yearToDate",
                "period": year,
                "value": _value(report.year_to_date),
                "dimensions": {"cumulation": "yearToDate"},
            }
        )
        # The annual plan is the plan year's: a 完成率 only for that year's months.
        plan = project.annual_planned_investment if report.month.year == project.year else None
        rate = measures.completion_rate(report.year_to_date, plan)
        if rate is not None:
            # 完成率: the year to date against the year's plan, in percent (a measure, as the standard's example
            # gives percentages).
            financial.append(
                {
                    "id": f"{key}-yearToDate-rate",
                    "period": year,
                    "measure": _number(measures.as_percent(rate)),
                    "unit": PERCENT_UNIT,
                    "dimensions": {"cumulation": "yearToDate", "of": "annualPlan"},
                }
            )
        financial.append(
            {
                "id": f"{key}-sinceStart",
                "period": _period(project.actual_start_date, _month_end(report.month)) or month,
                "value": _value(report.since_start),
                "dimensions": {"cumulation": "sinceStart"},
            }
        )
        observation = {"id": key, "period": month}
        if report.visible_stage.strip():
            observation["measure"] = report.visible_stage.strip()
        if report.visible_progress.strip():
            observation["notes"] = report.visible_progress.strip()  # 形象进度, as the project reported it
        if len(observation) > 2:
            physical.append(observation)
    metrics = []
    if financial:
        metrics.append({"id": "financialProgress", "observations": financial})
    if physical:
        metrics.append({"id": "physicalProgress", "observations": physical})
    return metrics


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _value(wan: Decimal) -> dict:
    return {"amount": _number((Decimal(wan) * YUAN_PER_WAN).quantize(CENT, ROUND_HALF_UP)), "currency": CURRENCY}


def _number(amount: Decimal) -> int | float:
    """A Decimal as a JSON number, exactly: an int when whole, else the float nearest its decimal digits (what
    json.dumps writes back as those digits)."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def _period(start: dt.date | None, end: dt.date | None) -> dict | None:
    period = {}
    if start:
        period["startDate"] = _start(start)
    if end:
        period["endDate"] = _end(end)
    return period or None


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone()).isoformat()


def _end(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=_zone()).isoformat()


def _datetime(moment: dt.datetime) -> str:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).replace(microsecond=0).isoformat()
