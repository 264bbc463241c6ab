"""Reads of the project registry. Every selector starts from Project.objects.visible_to(user)."""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from kaigong.audit.models import AuditEvent
from kaigong.core.money import format_yi
from kaigong.projects.choices import Stage
from kaigong.projects.filters import ProjectFilterSet
from kaigong.projects.models import BatchMembership, Category, GroundbreakingBatch, Project

ZERO = Decimal("0")
LIST_RELATED = ("category", "level", "owner", "responsible_department")


def list_projects(*, user, params=None, for_export: bool = False, as_system: bool = False):
    """The projects ``user`` may see, filtered by ``params`` (a QueryDict or dict) with ProjectFilterSet.

    ``as_system`` (commands and jobs, which have no user) reads the whole registry; nothing else bypasses scoping.

    Returns (queryset, filterset). The filterset carries the form for the page and any parameter errors.
    """
    scoped = Project.objects.all() if as_system else Project.objects.visible_to(user)
    base = scoped.select_related(*LIST_RELATED)
    filterset = ProjectFilterSet(data=params or None, queryset=base)
    # An unbound filterset (no parameters at all) is not "valid" in django-filter, but means "no filter".
    queryset = filterset.qs if (filterset.is_valid() or not filterset.is_bound) else base.none()
    if not (params or {}).get("ordering"):
        queryset = (
            queryset.order_by("category__sort_order", "-total_investment", "id")
            if for_export
            else queryset.order_by("-year", "-id")
        )
    return queryset, filterset


def list_project_years(*, user) -> list[int]:
    """The plan years (计划年度) of the projects ``user`` may see, newest first (for year selectors)."""
    return list(Project.objects.visible_to(user).order_by("-year").values_list("year", flat=True).distinct())


def get_project(*, user, pk: int) -> Project:
    """One visible project, or 404 (the same answer as for a project that does not exist)."""
    queryset = (
        Project.objects.visible_to(user)
        .select_related(*LIST_RELATED)
        .prefetch_related(
            "investors",
            Prefetch("batch_memberships", queryset=BatchMembership.objects.select_related("batch")),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def list_project_history(*, project: Project):
    return AuditEvent.objects.filter(project_id=project.pk).select_related("actor").order_by("-occurred_at", "-id")


def list_batches(*, user):
    """Groundbreaking batches are public ceremonies: every signed-in user sees the list; member projects are
    filtered by visibility on the batch page."""
    return GroundbreakingBatch.objects.annotate(project_count=Count("memberships")).order_by("-date", "name")


def get_batch(*, user, pk: int) -> GroundbreakingBatch:
    return get_object_or_404(list_batches(user=user), pk=pk)


@dataclass
class CategorySummary:
    category: Category
    count: int = 0
    total_investment: Decimal = ZERO
    annual_planned_investment: Decimal = ZERO
    featured: list[str] = field(default_factory=list)


@dataclass
class BatchSummary:
    """A batch's totals, as the news report gives them."""

    batch: GroundbreakingBatch
    categories: list[CategorySummary]
    count: int
    total_investment: Decimal
    annual_planned_investment: Decimal
    members: list[BatchMembership]  # the member projects the reader may see, in featured order

    @property
    def hidden_count(self) -> int:
        """Member projects counted in the published figures that the reader may not open."""
        return self.count - len(self.members)

    @property
    def total_investment_yi(self) -> str:
        return format_yi(self.total_investment, unit=False)

    @property
    def annual_planned_investment_yi(self) -> str:
        return format_yi(self.annual_planned_investment, unit=False)

    @property
    def sentence(self) -> str:
        """此次集中开工20个项目，包括A、B、C等14个产业类项目，…，总投资115.5亿元，年度投资32.8亿元。"""
        parts = []
        for item in self.categories:
            names = "、".join(item.featured[:3])
            parts.append(
                f"{names}等{item.count}个{item.category.name}项目"
                if names
                else f"{item.count}个{item.category.name}项目"
            )
        body = "，".join(parts)
        head = f"此次集中开工{self.count}个项目"
        if body:
            head += f"，包括{body}"
        return (
            f"{head}，总投资{format_yi(self.total_investment)}，年度投资{format_yi(self.annual_planned_investment)}。"
        )


def get_batch_summary(*, batch: GroundbreakingBatch, user=None) -> BatchSummary:
    """A batch's counts and investment per category, over all its member projects, and the members ``user`` may
    see (all of them without a user).

    The summary and totals were published at the ceremony: everyone who may open the batch reads the official
    figures, never a sum rewritten over the rows they may see; only the member rows are scoped. One query.
    """
    memberships = batch.memberships.select_related(
        "project__category", "project__owner", "project__responsible_department"
    )
    if user is not None and not user.sees_everything:
        visible = Project.objects.visible_to(user).filter(pk=OuterRef("project_id"))
        memberships = memberships.annotate(visible=Exists(visible))
    everyone = sorted(memberships, key=lambda m: (m.featured_order is None, m.featured_order or 0, m.project_id))
    by_category: dict[int, CategorySummary] = OrderedDict()
    for membership in sorted(everyone, key=lambda m: (m.project.category.sort_order, m.project.category_id)):
        project = membership.project
        item = by_category.setdefault(project.category_id, CategorySummary(category=project.category))
        item.count += 1
        item.total_investment += project.total_investment
        item.annual_planned_investment += project.annual_planned_investment
    for membership in everyone:
        if membership.featured_order is not None:
            by_category[membership.project.category_id].featured.append(membership.project.name)
    categories = list(by_category.values())
    return BatchSummary(
        batch=batch,
        categories=categories,
        count=sum(c.count for c in categories),
        total_investment=sum((c.total_investment for c in categories), ZERO),
        annual_planned_investment=sum((c.annual_planned_investment for c in categories), ZERO),
        members=[m for m in everyone if getattr(m, "visible", True)],
    )


@dataclass
class Overview:
    """The overview's figures. The totals and the category rows count the active projects; the withdrawn (退库)
    ones are left out of them and given on their own; the stage rows list every stage, 退库 included."""

    count: int
    total_investment: Decimal
    annual_planned_investment: Decimal
    by_stage: list[dict]
    by_category: list[dict]
    withdrawn_count: int = 0
    withdrawn_total_investment: Decimal = ZERO
    withdrawn_annual_planned_investment: Decimal = ZERO


def get_overview(*, user, year: int | None = None) -> Overview:
    """Counts and investment by stage and by category, over the projects ``user`` may see.

    One GROUP BY (stage, category) query; the totals, the stage rows and the category rows are folded from it
    in Python (a handful of rows), which is several times faster at 100k projects than three aggregates.
    """
    queryset = Project.objects.visible_to(user)
    if year:
        queryset = queryset.filter(year=year)
    cells = (
        queryset.order_by()
        .values("stage", "category_id")
        .annotate(
            count=Count("id"),
            total=Coalesce(Sum("total_investment"), ZERO),
            annual=Coalesce(Sum("annual_planned_investment"), ZERO),
        )
    )
    empty = {"count": 0, "total": ZERO, "annual": ZERO}
    stage_sums: dict[str, dict] = {}
    category_sums: dict[int, dict] = {}
    for cell in cells:
        targets = [(cell["stage"], stage_sums)]
        if cell["stage"] != Stage.WITHDRAWN:
            targets.append((cell["category_id"], category_sums))
        for key, sums in targets:
            row = sums.setdefault(key, dict(empty))
            row["count"] += cell["count"]
            row["total"] += cell["total"]
            row["annual"] += cell["annual"]
    by_stage = [{"stage": value, "label": label, **stage_sums.get(value, empty)} for value, label in Stage.choices]
    categories = Category.objects.filter(pk__in=category_sums).order_by("sort_order", "name")
    by_category = [
        {"category__id": c.pk, "category__name": c.name, "category__sort_order": c.sort_order, **category_sums[c.pk]}
        for c in categories
    ]
    active = [row for stage, row in stage_sums.items() if stage != Stage.WITHDRAWN]
    withdrawn = stage_sums.get(Stage.WITHDRAWN, empty)
    return Overview(
        count=sum(row["count"] for row in active),
        total_investment=sum((row["total"] for row in active), ZERO),
        annual_planned_investment=sum((row["annual"] for row in active), ZERO),
        by_stage=by_stage,
        by_category=by_category,
        withdrawn_count=withdrawn["count"],
        withdrawn_total_investment=withdrawn["total"],
        withdrawn_annual_planned_investment=withdrawn["annual"],
    )


@dataclass
class ProjectTotals:
    count: int
    total_investment: Decimal
    annual_planned_investment: Decimal


def get_project_totals(queryset) -> ProjectTotals:
    """The count and investment sums of a (filtered, scoped) project queryset, in one aggregate query."""
    sums = queryset.order_by().aggregate(
        count=Count("id"),
        total=Coalesce(Sum("total_investment"), ZERO),
        annual=Coalesce(Sum("annual_planned_investment"), ZERO),
    )
    return ProjectTotals(count=sums["count"], total_investment=sums["total"], annual_planned_investment=sums["annual"])
