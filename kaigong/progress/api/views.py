"""The progress API (月度进度): reports and their review, problems, measures, lights, aggregations, the reporting
status, settings and warning presets, notices.

Reads start from the scoped selectors (Project.objects.visible_to, selectors.visible_reports); writes go through
progress.services, which check who may write and audit it. Errors answer in the one shape of kaigong.core.api.
The monthly view's reads (lights, aggregations, reporting status) and the settings are inside government only
(permissions.can_see_monthly_view); an enterprise reads its own projects' reports and measures.
"""

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from kaigong.core.api import ErrorSerializer, error_body, error_responses
from kaigong.core.exceptions import PermissionDeniedError, translated
from kaigong.core.parsers import GuardedJSONParser
from kaigong.progress import aggregations, permissions, selectors, services
from kaigong.progress.api.serializers import (
    MAX_ID,
    AggregationQuerySerializer,
    AggregationSerializer,
    LightCountsSerializer,
    LightQuerySerializer,
    LightRefreshSerializer,
    LightSerializer,
    MeasuresQuerySerializer,
    MeasuresSerializer,
    MonthQuerySerializer,
    NoticeSerializer,
    NoticesMarkedSerializer,
    NoticesReadSerializer,
    PhotoUploadSerializer,
    ProblemCreateSerializer,
    ProblemQuerySerializer,
    ProblemSerializer,
    ProgressSettingsSerializer,
    ReportAcceptSerializer,
    ReportCorrectionSerializer,
    ReportCreateSerializer,
    ReportDetailSerializer,
    ReportingStatusSerializer,
    ReportQuerySerializer,
    ReportReturnSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
    WarningPresetSerializer,
)
from kaigong.progress.choices import ProblemSource, ReportStatus, WarningLevel
from kaigong.progress.measures import ProjectFacts, measure
from kaigong.progress.models import Problem, ProgressNotice, ProgressReport, ProjectProgress, WarningPreset
from kaigong.progress.photos import PhotoError, process_photo
from kaigong.projects import selectors as project_selectors
from kaigong.projects.filters import ProjectFilterSet
from kaigong.projects.models import Project

READ_ERRORS = error_responses(401, 403)
LIST_ERRORS = error_responses(400, 401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403)
ACTION_ERRORS = error_responses(400, 401, 403, 404)
REPORT_FIELDS = services.REPORT_FIELDS
PHOTO_REFUSED = gettext_noop("照片“%(name)s”未能上传:%(reason)s")
NOT_CURRENT = gettext_noop("该月报已被更正,请在最新版本上操作")
NO_SUCH_PROJECT = gettext_noop("项目不存在或您无权查看")


def _query(serializer_class, params, *, this_month: bool = True) -> dict:
    """The query parameters ``serializer_class`` names, validated (a bad one answers 400 with its name); ``month``
    defaults to this month unless ``this_month`` is false."""
    serializer = serializer_class(data={key: params.get(key) for key in serializer_class().fields if key in params})
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    if this_month and "month" in serializer.fields and data.get("month") is None:
        data["month"] = selectors.current_month()
    return data


def _path_pk(kwargs) -> int:
    """The id in the path; one no database key can hold is simply not found."""
    try:
        pk = int(kwargs["pk"])
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= MAX_ID:
        raise Http404
    return pk


def _require_monthly_view(user) -> None:
    if not permissions.can_see_monthly_view(user):
        raise PermissionDeniedError(gettext_noop("月度进度汇总仅供政府部门查看"))


def _require_configure(user) -> None:
    if not permissions.can_configure_progress(user):
        raise PermissionDeniedError(gettext_noop("只有项目办和系统管理员可以修改月报设置"))


def _visible_project(user, pk: int) -> Project:
    """A project named in a body: one the user does not see is a validation error on ``project``."""
    project = Project.objects.visible_to(user).filter(pk=pk).first()
    if project is None:
        raise serializers.ValidationError({"project": [translated(NO_SUCH_PROJECT, language="zh-hans")]})
    return project


def _filtered_projects(user, params):
    """The projects the user sees, narrowed by the project list's filters (the same parameters as /api/projects/)."""
    queryset, filterset = project_selectors.list_projects(user=user, params=params)
    if filterset.is_bound and not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return queryset


def _report_fields(data: dict) -> tuple[dict, list]:
    fields = {name: data[name] for name in REPORT_FIELDS if name in data}
    problems = [(problem["kind"], problem["description"]) for problem in data.get("problems", [])]
    return fields, problems


# --- reports ------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Monthly progress reports (月度进度报告)",
        description=(
            "Reports of the projects the user sees, newest month first. Without `status`, each month's current "
            "version (a corrected report's earlier versions are on its own endpoint). Filters: `project`, `month` "
            "(YYYY-MM), `status`, `late`."
        ),
        parameters=[ReportQuerySerializer],
        responses={200: ReportSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A monthly report with its versions, photos, problems and plausibility warnings",
        responses={200: ReportDetailSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Submit a project's monthly report",
        description=(
            "The project's enterprise, its responsible department, the office. 1–N月累计 and 开工以来累计 are "
            "computed. A report of the same month not yet accepted is replaced (200); an accepted one is locked "
            "(use `correct`). A report after the window's close is accepted and marked late. Plausibility "
            "warnings do not block."
        ),
        request=ReportCreateSerializer,
        responses={201: ReportDetailSerializer, 200: ReportDetailSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Resubmit a report not accepted yet (a returned one goes back to review)",
        request=ReportUpdateSerializer,
        responses={200: ReportDetailSerializer, **ACTION_ERRORS},
    ),
)
class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ProgressReport.objects.none()
    serializer_class = ReportSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            selectors.visible_reports(self.request.user)
            .select_related("project", "submitted_by", "reviewed_by")
            .prefetch_related("photos", "problems__project")
        )

    def get_object(self) -> ProgressReport:
        pk = _path_pk(self.kwargs)
        report = self.get_queryset().filter(pk=pk).first()
        if report is None:
            raise Http404
        return report

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "settings": selectors.get_settings()}

    def _detail(self, report: ProgressReport, http_status=status.HTTP_200_OK) -> Response:
        report = self.get_queryset().get(pk=report.pk)
        context = {**self.get_serializer_context(), "versions": selectors.report_versions(report)}
        return Response(ReportDetailSerializer(report, context=context).data, status=http_status)

    def list(self, request, *args, **kwargs):
        query = _query(ReportQuerySerializer, request.query_params, this_month=False)
        queryset = self.get_queryset()
        if "project" in query:
            queryset = queryset.filter(project_id=query["project"])
        if "month" in query:
            queryset = queryset.filter(month=query["month"])
        queryset = queryset.filter(status=query["status"]) if "status" in query else queryset.filter(selectors.CURRENT)
        if query.get("late") is not None:
            queryset = queryset.filter(is_late=query["late"])
        page = self.paginate_queryset(queryset.order_by("-month", "project_id", "-version"))
        return self.get_paginated_response(
            ReportSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = _visible_project(request.user, data["project"])
        existed = selectors.current_report(project, data["month"]) is not None
        fields, problems = _report_fields(data)
        report = services.submit_report(
            project=project, month=data["month"], data=fields, problems=problems, actor=request.user
        )
        return self._detail(report, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        if report.status == ReportStatus.SUPERSEDED:
            return Response(error_body("report_superseded", NOT_CURRENT), status=status.HTTP_400_BAD_REQUEST)
        serializer = ReportUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields, problems = _report_fields(serializer.validated_data)
        report = services.submit_report(
            project=report.project, month=report.month, data=fields, problems=problems, actor=request.user
        )
        return self._detail(report)

    @extend_schema(
        summary="Accept (审核通过) a submitted report",
        description=(
            "The office, or the project's responsible department where the settings say so. The report is locked "
            "and the project's light recomputed for its month. A report not waiting for review answers 400 "
            "transition_not_allowed."
        ),
        request=ReportAcceptSerializer,
        responses={200: ReportDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        report = self.get_object()
        serializer = ReportAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.accept_report(report=report, actor=request.user, note=serializer.validated_data.get("note", ""))
        return self._detail(report)

    @extend_schema(
        summary="Return (退回) a submitted report with the reason",
        description="Those who report for the project are told (a notice). The reporter edits and resubmits it.",
        request=ReportReturnSerializer,
        responses={200: ReportDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        report = self.get_object()
        serializer = ReportReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.return_report(report=report, reason=serializer.validated_data["reason"], actor=request.user)
        return self._detail(report)

    @extend_schema(
        summary="Correct an accepted report: a new version with the reason",
        description=(
            "The accepted version is kept (superseded); the new version, with the changed fields, goes back to "
            "review. Audited with the reason. Answers the new version."
        ),
        request=ReportCorrectionSerializer,
        responses={201: ReportDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        report = self.get_object()
        serializer = ReportCorrectionSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "reason" not in serializer.validated_data:
            raise serializers.ValidationError({"reason": [serializers.Field.default_error_messages["required"]]})
        fields, problems = _report_fields(serializer.validated_data)
        new = services.correct_report(
            report=report,
            reason=serializer.validated_data["reason"],
            data=fields,
            problems=problems,
            actor=request.user,
        )
        return self._detail(new, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add site photos to a report not accepted yet",
        description=(
            "multipart/form-data with one or more `files` (JPEG, PNG or HEIC; size and pixel limits). Each is "
            "made upright, stripped of its metadata and given a thumbnail; its shooting time and place are read "
            "from EXIF. A refused photo answers 400 naming the file, and none of the batch is kept."
        ),
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={
            201: ReportDetailSerializer,
            **ACTION_ERRORS,
            415: OpenApiResponse(ErrorSerializer, description="Send multipart/form-data"),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        report = self.get_object()
        if not permissions.can_report(request.user, report.project):
            raise PermissionDeniedError(gettext_noop("您无权报送该项目的月度进度"))
        uploads = request.FILES.getlist("files")
        serializer = PhotoUploadSerializer(data={"files": uploads})
        serializer.is_valid(raise_exception=True)
        processed = []
        for upload in serializer.validated_data["files"]:
            try:
                processed.append(process_photo(upload, filename=upload.name))
            except PhotoError as error:
                return _photo_refused(upload.name, error)
        services.add_report_photos(report=report, photos=processed, actor=request.user)
        return self._detail(report, status.HTTP_201_CREATED)


def _photo_refused(name: str, error: PhotoError) -> Response:
    params_zh = {"name": name, "reason": error.message}
    params_en = {"name": name, "reason": error.message_en}
    message = translated(PHOTO_REFUSED, params_zh, language="zh-hans")
    body = {
        "error": {
            "code": error.code,
            "message": message,
            "message_en": translated(PHOTO_REFUSED, params_en, language="en"),
            "fields": {"files": [message]},
        }
    }
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


# --- problems -----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Problems needing coordination (存在问题及需协调事项)",
        description="Problems of the projects the user sees, newest first. Filters: `project`, `status`, `kind`.",
        parameters=[ProblemQuerySerializer],
        responses={200: ProblemSerializer(many=True), **LIST_ERRORS},
    ),
    create=extend_schema(
        summary="Raise a problem for a project",
        description="Those who report for the project (its enterprise, its department, the office).",
        request=ProblemCreateSerializer,
        responses={201: ProblemSerializer, **WRITE_ERRORS},
    ),
)
class ProblemViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Problem.objects.none()
    serializer_class = ProblemSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def list(self, request, *args, **kwargs):
        query = _query(ProblemQuerySerializer, request.query_params)
        queryset = Problem.objects.filter(project__in=Project.objects.visible_to(request.user).values("pk"))
        filters = {name: query[name] for name in ("status", "kind") if name in query}
        if "project" in query:
            filters["project_id"] = query["project"]
        queryset = queryset.filter(**filters).select_related("project").order_by("-raised_at", "-pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ProblemSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = ProblemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = _visible_project(request.user, data["project"])
        source = ProblemSource.ENTERPRISE if request.user.role == "enterprise" else ProblemSource.DEPARTMENT
        problem = services.raise_problem(
            project=project, description=data["description"], kind=data["kind"], source=source, actor=request.user
        )
        problem = Problem.objects.select_related("project").get(pk=problem.pk)
        return Response(ProblemSerializer(problem).data, status=status.HTTP_201_CREATED)


# --- measures -----------------------------------------------------------------------------------------------------


def project_measures(project: Project, month) -> dict:
    """A project's measures for ``month`` as the lights compute them, with its light if it was measured that month."""
    settings = selectors.get_settings()
    row = (
        Project.objects.filter(pk=project.pk)
        .annotate(ytd=selectors.ytd_subquery(month), reported=selectors.reported_exists(month))
        .values("ytd", "reported")
        .get()
    )
    owes = Project.objects.filter(selectors.reporting_scope(month), pk=project.pk).exists()
    facts = ProjectFacts(
        month=month,
        stage=project.stage,
        annual_plan=project.annual_planned_investment,
        year_to_date=row["ytd"],
        reported=row["reported"],
        in_reporting_scope=owes,
        window_closed=timezone.localdate() > settings.window(month)[1],
        planned_start=project.planned_start_date,
        actual_start=project.actual_start_date,
        started=project.stage not in selectors.NOT_STARTED,
        registered_in_statistics=project.registered_in_statistics,
        statistics_registered_on=project.statistics_registered_on,
    )
    measures = measure(facts, counts_reporting_month=settings.time_progress_counts_reporting_month)
    latest = (
        ProgressReport.objects.filter(selectors.CURRENT, project=project, month__lte=month)
        .order_by("-month")
        .values("month", "monthly_investment", "since_start")
        .first()
    )
    state = ProjectProgress.objects.filter(project=project, measured_month=month).exclude(warning_level="").first()
    return {
        "project": project.pk,
        "project_name": project.name,
        "month": month,
        "annual_plan": project.annual_planned_investment,
        "reported": row["reported"],
        "monthly_investment": latest["monthly_investment"] if latest and latest["month"] == month else None,
        "year_to_date": measures.year_to_date,
        "since_start": latest["since_start"] if latest else None,
        "completion_rate": measures.completion_rate,
        "time_progress": measures.time_progress,
        "gap_points": measures.gap_points,
        "percent_of_time_progress": measures.percent_of_time_progress,
        "light": state.warning_level if state else None,
        "light_display": str(WarningLevel(state.warning_level).label) if state else None,
        "reasons": state.warning_reasons if state else [],
        "computed_at": state.computed_at if state else None,
    }


class MeasuresView(GenericAPIView):
    """A project's measures for a month: 1–N月累计, 完成率, 序时进度, the gap, and its light."""

    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    pagination_class = None
    serializer_class = MeasuresSerializer

    @extend_schema(
        summary="A project's measures for a month (完成率, 序时进度, 差距, 红黄绿灯)",
        description=(
            "`project` (required): a project the user sees (enterprises: their own). `month`: YYYY-MM, this month "
            "by default. Rates in percent; `light` and `reasons` only when the project was measured that month."
        ),
        parameters=[MeasuresQuerySerializer],
        responses={200: MeasuresSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        query = _query(MeasuresQuerySerializer, request.query_params)
        project = Project.objects.visible_to(request.user).filter(pk=query["project"]).first()
        if project is None:
            raise Http404
        return Response(MeasuresSerializer(project_measures(project, query["month"])).data)


# --- lights -------------------------------------------------------------------------------------------------------

LIGHT_ORDER = Case(
    When(progress__warning_level=WarningLevel.RED, then=Value(0)),
    When(progress__warning_level=WarningLevel.YELLOW, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class LightListView(GenericAPIView):
    """The month's lit projects: red first, then yellow, then green."""

    queryset = Project.objects.none()
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]  # documents the project list's parameters; _filtered_projects applies them
    filterset_class = ProjectFilterSet
    serializer_class = LightSerializer

    @extend_schema(
        summary="The month's lights (红黄绿灯) of the projects the user sees",
        description=(
            "Government roles. `month`: YYYY-MM (default this month); `light`: red, yellow or green; plus the "
            "project list's filters (`q`, `category`, `level` (the project's level), `responsible_department`, "
            "`batch` …). Each project with its reasons and measures."
        ),
        parameters=[LightQuerySerializer],
        responses={200: LightSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        _require_monthly_view(request.user)
        query = _query(LightQuerySerializer, request.query_params)
        month, light = query["month"], query.get("light")
        queryset = (
            _filtered_projects(request.user, request.query_params)
            .filter(progress__measured_month=month)
            .exclude(progress__warning_level="")
            .select_related("progress", "responsible_department")
        )
        if light:
            queryset = queryset.filter(progress__warning_level=light)
        if not request.query_params.get("ordering"):
            queryset = queryset.order_by(LIGHT_ORDER, "progress__gap_points", "pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(LightSerializer(page, many=True).data)


class LightRefreshView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    pagination_class = None
    serializer_class = LightRefreshSerializer

    @extend_schema(
        summary="Recompute the lights of a month (office, administrators)",
        description=(
            "Every project in the month's scope under the active warning preset; a light turning yellow or red "
            "makes notices. Answers the counts."
        ),
        request=LightRefreshSerializer,
        responses={200: LightCountsSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        _require_configure(request.user)
        serializer = LightRefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counts = services.refresh_lights(month=serializer.validated_data["month"], actor=request.user)
        return Response(LightCountsSerializer(counts).data)


# --- aggregations and the reporting status ------------------------------------------------------------------------


class AggregationView(GenericAPIView):
    queryset = Project.objects.none()
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]  # documents the project list's parameters; _filtered_projects applies them
    filterset_class = ProjectFilterSet
    pagination_class = None
    serializer_class = AggregationSerializer

    @extend_schema(
        summary="The month's figures by group (分类汇总) for any filtered list",
        description=(
            "Government roles. The year's key projects (计划年度 = the month's year) the user sees, narrowed by the "
            "project list's filters; `group_by`: category, level, department, township or batch (none: only the "
            "totals). Per group: projects, annual plan, 1–N月累计, 完成率 and its gap to 序时进度 (percent and "
            "points), starts and completions planned against actual, the lights."
        ),
        parameters=[AggregationQuerySerializer],
        responses={200: AggregationSerializer, **LIST_ERRORS},
    )
    def get(self, request):
        _require_monthly_view(request.user)
        query = _query(AggregationQuerySerializer, request.query_params)
        month, group_by = query["month"], query.get("group_by") or None
        projects = _filtered_projects(request.user, request.query_params).order_by()
        rows = aggregations.aggregate(projects=projects, month=month, group_by=group_by) if group_by else []
        totals = aggregations.totals(projects=projects, month=month)
        body = {"month": month, "group_by": group_by, "rows": rows, "totals": totals}
        return Response(AggregationSerializer(body).data)


class ReportingStatusView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    pagination_class = None
    serializer_class = ReportingStatusSerializer

    @extend_schema(
        summary="The month's reporting status (报送情况) and who has not reported",
        description=(
            "Government roles, over the projects they see that owe the month's report (新开工, 在建, 当年竣工): how "
            "many reported, late, waiting for review, returned, accepted; the projects not reported yet."
        ),
        parameters=[MonthQuerySerializer],
        responses={200: ReportingStatusSerializer, **LIST_ERRORS},
    )
    def get(self, request):
        _require_monthly_view(request.user)
        month = _query(MonthQuerySerializer, request.query_params)["month"]
        due = Project.objects.visible_to(request.user).filter(selectors.reporting_scope(month))
        counts = ProgressReport.objects.filter(selectors.CURRENT, month=month, project__in=due.values("pk")).aggregate(
            reported=Count("pk"),
            late=Count("pk", filter=Q(is_late=True)),
            submitted=Count("pk", filter=Q(status=ReportStatus.SUBMITTED)),
            returned=Count("pk", filter=Q(status=ReportStatus.RETURNED)),
            accepted=Count("pk", filter=Q(status=ReportStatus.ACCEPTED)),
        )
        missing = list(
            due.annotate(reported=selectors.reported_exists(month))
            .filter(reported=False)
            .order_by("responsible_department__name", "pk")
            .values("pk", "name", "project_code", "responsible_department__name")
        )
        opens, closes = selectors.get_settings().window(month)
        total = due.count()
        body = {
            "month": month,
            "window_opens_on": opens,
            "window_closes_on": closes,
            "due": total,
            "not_reported": len(missing),
            **counts,
            "not_reported_projects": [
                {
                    "id": row["pk"],
                    "name": row["name"],
                    "project_code": row["project_code"],
                    "responsible_department_name": row["responsible_department__name"],
                }
                for row in missing
            ],
        }
        return Response(ReportingStatusSerializer(body).data)


# --- settings and warning presets ---------------------------------------------------------------------------------


class SettingsView(GenericAPIView):
    """The office's settings of the monthly cycle: the reporting window, reminders, reviewer, stages, checks."""

    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    pagination_class = None
    serializer_class = ProgressSettingsSerializer

    @extend_schema(
        summary="The monthly cycle's settings (government roles)",
        responses={200: ProgressSettingsSerializer, **READ_ERRORS},
    )
    def get(self, request):
        _require_monthly_view(request.user)
        return Response(ProgressSettingsSerializer(selectors.get_settings()).data)

    @extend_schema(
        summary="Change the monthly cycle's settings (office, administrators)",
        description="Only the fields sent change. Audited.",
        request=ProgressSettingsSerializer,
        responses={200: ProgressSettingsSerializer, **WRITE_ERRORS},
    )
    def patch(self, request):
        _require_configure(request.user)
        serializer = ProgressSettingsSerializer(selectors.get_settings(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings = services.update_settings(data=dict(serializer.validated_data), actor=request.user)
        return Response(ProgressSettingsSerializer(settings).data)


@extend_schema_view(
    list=extend_schema(
        summary="Warning presets (预警方案)",
        description="Government roles. `is_active`: the preset the lights follow.",
        responses={200: WarningPresetSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="A warning preset", responses={200: WarningPresetSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Create a warning preset (office, administrators)",
        description=(
            "Each rule is {code, label, level (yellow|red), when}, `when` a condition over the measures. Every "
            "error of the rules is listed under `fields.rules` with its path (规则[2].when.all[0].value …)."
        ),
        request=WarningPresetSerializer,
        responses={201: WarningPresetSerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(
        summary="Change a warning preset (office, administrators)",
        request=WarningPresetSerializer,
        responses={200: WarningPresetSerializer, **ACTION_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a warning preset (office, administrators)",
        request=WarningPresetSerializer,
        responses={200: WarningPresetSerializer, **ACTION_ERRORS},
    ),
)
class WarningPresetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = WarningPreset.objects.none()
    serializer_class = WarningPresetSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            _require_monthly_view(request.user)
        else:
            _require_configure(request.user)

    def get_queryset(self):
        return WarningPreset.objects.order_by("name", "pk")

    def get_object(self) -> WarningPreset:
        preset = self.get_queryset().filter(pk=_path_pk(self.kwargs)).first()
        if preset is None:
            raise Http404
        return preset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "active_preset_id": selectors.get_settings().active_preset_id}

    def perform_create(self, serializer):
        serializer.instance = self._save(None, serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer.instance, serializer.validated_data)

    def _save(self, preset, data):
        return services.save_preset(
            preset=preset,
            code=data.get("code", preset.code if preset else ""),
            name=data.get("name", preset.name if preset else ""),
            description=data.get("description", preset.description if preset else ""),
            rule_list=data.get("rules", preset.rules if preset else []),
            actor=self.request.user,
        )

    @extend_schema(
        summary="Make a preset the one the lights follow (office, administrators)",
        description="The lights follow it from the next refresh (POST /api/progress/lights/refresh/).",
        request=None,
        responses={200: ProgressSettingsSerializer, **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        settings = services.activate_preset(preset=self.get_object(), actor=request.user)
        return Response(ProgressSettingsSerializer(settings).data)


# --- notices ------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="My progress notices (预警、催报、退回)",
        description="The signed-in user's own notices, unread first, newest first.",
        responses={200: NoticeSerializer(many=True), **READ_ERRORS},
    )
)
class NoticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = ProgressNotice.objects.none()
    serializer_class = NoticeSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        return (
            ProgressNotice.objects.filter(recipient=self.request.user)
            .select_related("project")
            .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-pk")
        )

    @extend_schema(
        summary="Mark my notices read",
        description="`ids`: the notices to mark; all my unread notices when absent.",
        request=NoticesReadSerializer,
        responses={200: NoticesMarkedSerializer, **WRITE_ERRORS},
    )
    # JSON only: a form's list of ids is a field per id, past Django's cap on form fields for a long list.
    @action(detail=False, methods=["post"], url_path="read", parser_classes=[GuardedJSONParser])
    def mark_read(self, request):
        serializer = NoticesReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = services.mark_notices_read(user=request.user, notice_ids=serializer.validated_data.get("ids"))
        return Response({"marked": marked})
