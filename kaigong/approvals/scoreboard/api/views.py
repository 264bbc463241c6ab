"""The scoreboard API: GET /api/approvals/scoreboard/ (definitions in board.py)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.approvals.permissions import can_see_scoreboard
from kaigong.approvals.scoreboard.board import as_dict, get_scoreboard
from kaigong.approvals.scoreboard.forms import ScoreboardForm
from kaigong.core.api import error_responses
from kaigong.core.exceptions import PermissionDeniedError


class ScoreboardAPIView(APIView):
    """GET /api/approvals/scoreboard/?start=&end=&department=: the ranked board (government roles only)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Department scoreboard: decided count, median and p90 working days, share within the benchmark",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="decided on or after (default 1 January)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="decided on or before (default today)"),
            OpenApiParameter("department", OpenApiTypes.INT, description="one approving department"),
        ],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        if not can_see_scoreboard(request.user):
            raise PermissionDeniedError(gettext_noop("企业用户不能查看部门审批时效排名"))
        form = ScoreboardForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [m for e in v for m in e.messages] for k, v in form.errors.as_data().items()})
        return Response(as_dict(get_scoreboard(user=request.user, **form.board_arguments())))
