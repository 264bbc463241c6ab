"""The REST API under /api/: one router for every app's viewsets.

Projects, organizations, departments, dictionaries and batches are registered on the router below; the
approvals and workdays apps bring their own url modules, included under /api/approvals/ and /api/workdays/.
"""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from kaigong.accounts.api.views import DepartmentViewSet, OrganizationViewSet, TokenView
from kaigong.core.api_errors import api_not_found
from kaigong.projects.api.views import CategoryViewSet, GroundbreakingBatchViewSet, LevelViewSet, ProjectViewSet
from kaigong.projects.ledger.api import LedgerCheckView, LedgerImportView, LedgerTemplateView

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("departments", DepartmentViewSet, basename="department")
router.register("categories", CategoryViewSet, basename="category")
router.register("levels", LevelViewSet, basename="level")
router.register("batches", GroundbreakingBatchViewSet, basename="batch")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("approvals/", include("kaigong.approvals.api.urls")),
    path("workdays/", include("kaigong.workdays.api.urls")),
    path("heritage/", include("kaigong.heritage.api.urls")),
    path("progress/", include("kaigong.progress.api.urls")),
    path("ledger/check/", LedgerCheckView.as_view(), name="api-ledger-check"),
    path("ledger/import/", LedgerImportView.as_view(), name="api-ledger-import"),
    path("ledger/template/", LedgerTemplateView.as_view(), name="api-ledger-template"),
    path("ledger/imports/", include("kaigong.projects.ledger.api_urls")),
    *router.urls,
    # Last: any other path under /api/ (an unknown one, or an id its converter refused, as /api/approvals/items/abc/)
    # is a 404 in the API's error shape, not the 404 page. Only paths ending in "/": APPEND_SLASH still redirects
    # /api/projects to /api/projects/.
    re_path(r"^.*/$", api_not_found),
]
