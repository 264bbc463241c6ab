"""Open data over the API: GET /api/progress/oc4ids/ answers the OC4IDS project package (progress/oc4ids.py) of the
projects the user sees, narrowed by the project list's filters. Every signed-in role may ask: government roles get
the projects they see, an enterprise its own projects only (Project.objects.visible_to decides both)."""

from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from kaigong.core.api import error_responses
from kaigong.progress import oc4ids
from kaigong.projects import selectors as project_selectors
from kaigong.projects.filters import ProjectFilterSet
from kaigong.projects.models import Project

PACKAGE_EXAMPLE = {
    "uri": "https://kaigong.example.cn/api/progress/oc4ids/",
    "publishedDate": "2024-10-20T09:30:00+08:00",
    "version": oc4ids.VERSION,
    "publisher": {"name": "侯马市重点项目办公室"},
    "projects": [
        {
            "id": "oc4ids-kaigong-141081-42",
            "identifiers": [{"id": "2019-141081-04-01-900042", "scheme": oc4ids.PROJECT_CODE_SCHEME}],
            "title": "侯马市污水处理厂提标改造项目",
            "status": "implementation",
            "budget": {"amount": {"amount": 100000000, "currency": "CNY"}},
            "metrics": [
                {
                    "id": "financialProgress",
                    "observations": [
                        {
                            "id": "2024-03",
                            "period": {
                                "startDate": "2024-03-01T00:00:00+08:00",
                                "endDate": "2024-03-31T23:59:59+08:00",
                            },
                            "value": {"amount": 3000000, "currency": "CNY"},
                            "dimensions": {"cumulation": "month"},
                        }
                    ],
                }
            ],
        }
    ],
}


class PackageSchema(AutoSchema):
    """The package is one object, not a list, but its projects are the project list's: document the list's filter
    parameters (drf-spectacular adds a filter backend's parameters to list operations only)."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])


class OC4IDSView(GenericAPIView):
    """The OC4IDS project package (open data) of the projects the user sees."""

    queryset = Project.objects.none()
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]  # documents the project list's parameters; get() applies them
    filterset_class = ProjectFilterSet
    pagination_class = None
    schema = PackageSchema()

    @extend_schema(
        operation_id="progress_oc4ids",
        summary="Open data: the projects as an OC4IDS 0.9 project package",
        description=(
            "The projects the user sees (government roles: their projects; an enterprise: its own), narrowed by "
            "the project list's filters (`q`, `category`, `level`, `stage`, `responsible_department`, `batch`, "
            "`year`, `pool`, `registered_in_statistics`, `township`; `ordering` is ignored: projects come in id "
            "order), as a project package of the Open Contracting for "
            "Infrastructure Data Standard 0.9 "
            "(https://standard.open-contracting.org/infrastructure/latest/en/reference/package/). Each project: "
            "`id` (prefix + Kaigong id), the 项目代码 as an identifier (scheme `CN-TZXMDM`, Kaigong's name), title, "
            "建设内容 as description, status (from the stage), budget in CNY (总投资; the year's plan as a budget "
            "breakdown), planned and actual periods, the location (point [lon, lat] and 建设地点), the owner "
            "(buyer; credit code as `CN-USCC`) and the responsible department (publicAuthority), completion, and "
            "the monthly reports as `financialProgress` (this month, year to date, 完成率 in percent, since the "
            "start; told apart by `dimensions.cumulation`) and `physicalProgress` (形象进度) metrics. Amounts are "
            "yuan, whole numbers. The standard wants at least one project: with no project to show, `projects` is "
            "empty and the package does not validate."
        ),
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="An OC4IDS project package (project-package-schema.json, 0.9.5)",
                examples=[OpenApiExample("A package", value=PACKAGE_EXAMPLE)],
            ),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        projects, filterset = project_selectors.list_projects(user=request.user, params=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise translate_validation(filterset.errors)
        package = oc4ids.project_package(user=request.user, projects=projects, uri=request.build_absolute_uri())
        return Response(package)
