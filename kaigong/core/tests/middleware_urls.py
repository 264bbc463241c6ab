"""The project's URLs plus a page and an API view that let a PermissionDeniedError escape (test_middleware)."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from rest_framework.views import APIView

from kaigong.core.exceptions import PermissionDeniedError
from kaigong.urls import urlpatterns as project_urlpatterns


@login_required
def refusing_page(request):
    raise PermissionDeniedError("您无权修改该项目")


class RefusingAPIView(APIView):
    def get(self, request):
        raise PermissionDeniedError("您无权修改该项目")


urlpatterns = [
    path("test-refusing-page/", refusing_page),
    path("api/test-refusing/", RefusingAPIView.as_view()),
    *project_urlpatterns,
]
