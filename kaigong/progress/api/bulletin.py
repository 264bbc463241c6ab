"""GET /api/progress/bulletin/?month=YYYY-MM&format=pdf|docx|json: the month's 工作简报 (progress/bulletin.py).

``json`` (the default) answers the composed bulletin, the same sections the PDF and the Word file are rendered
from; ``pdf`` and ``docx`` answer the files. The format is DRF's own ``format`` parameter (or the Accept header), so
each file type is a renderer here. Inside government only; the figures are those of the projects the caller sees.
"""

import datetime as dt

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.core.api import error_responses
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.progress import bulletin as bulletins
from kaigong.progress import permissions
from kaigong.progress.bulletin_views import default_month
from kaigong.progress.office_forms import parse_month


class _FileRenderer(BaseRenderer):
    """Passes a rendered document's bytes through (the view answers an HttpResponse of them)."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFRenderer(_FileRenderer):
    media_type = bulletins.PDF_MEDIA_TYPE
    format = "pdf"


class DocxRenderer(_FileRenderer):
    media_type = bulletins.DOCX_MEDIA_TYPE
    format = "docx"


class BulletinBlockSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["paragraph", "subheading", "table", "items", "chart"], help_text="What the block is"
    )
    text = serializers.CharField(required=False, help_text="paragraph, subheading: the text")
    header = serializers.ListField(child=serializers.CharField(), required=False, help_text="table: column headers")
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()), required=False, help_text="table: rows of cells"
    )
    numeric = serializers.ListField(
        child=serializers.BooleanField(), required=False, help_text="table: per column, whether it holds figures"
    )
    items = serializers.ListField(child=serializers.CharField(), required=False, help_text="items: a numbered list")
    chart = serializers.ChoiceField(choices=["bar", "line"], required=False, help_text="chart: its type")
    title = serializers.CharField(required=False)
    unit = serializers.CharField(required=False, help_text="chart: the unit of its values (%, 亿元, 万元)")
    labels = serializers.ListField(child=serializers.CharField(), required=False, help_text="chart: categories")
    series = serializers.DictField(
        child=serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)),
        required=False,
        help_text="chart: name → one value per label (decimal strings, null for a gap)",
    )
    reference = serializers.DictField(
        required=False, allow_null=True, help_text="bar chart: the reference line {value, label} (序时进度)"
    )


class BulletinSectionSerializer(serializers.Serializer):
    heading = serializers.CharField(help_text="一、总体情况 …")
    blocks = BulletinBlockSerializer(many=True)


class BulletinSerializer(serializers.Serializer):
    """The composed bulletin (always Chinese: a government document)."""

    month = serializers.CharField(help_text="YYYY-MM")
    masthead = serializers.CharField()
    issue = serializers.CharField(help_text="第10期")
    issuer = serializers.CharField()
    date = serializers.DateField()
    date_text = serializers.CharField()
    title = serializers.CharField()
    headline = serializers.CharField(help_text="1–10月，全市重点项目完成投资X亿元，完成率Y%，超序时进度Z个百分点。")
    sections = BulletinSectionSerializer(many=True)


class BulletinView(APIView):
    """The month's bulletin as JSON, PDF or Word."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PDFRenderer, DocxRenderer]

    @extend_schema(
        summary="The month's bulletin (工作简报) as JSON, PDF or Word",
        parameters=[
            OpenApiParameter(
                "month", OpenApiTypes.STR, description="YYYY-MM; default: the last month whose reporting window closed"
            ),
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["json", "pdf", "docx"], description="default json (or by Accept)"
            ),
        ],
        responses={
            (200, "application/json"): BulletinSerializer,
            (200, bulletins.PDF_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The bulletin as PDF"),
            (200, bulletins.DOCX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The bulletin as Word"),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        if not permissions.can_see_monthly_view(request.user):
            raise PermissionDeniedError(gettext_noop("只有政府部门用户可以查看工作简报"))
        bulletin = bulletins.build_bulletin(user=request.user, month=self._month(request))
        fmt = request.accepted_renderer.format
        if fmt in bulletins.MEDIA_TYPES:
            response = HttpResponse(bulletins.render_bytes(bulletin, fmt), content_type=bulletins.MEDIA_TYPES[fmt])
            response["Content-Disposition"] = content_disposition_header(True, bulletins.filename(bulletin, fmt))
            return response
        return Response(BulletinSerializer(bulletin.as_dict()).data)

    @staticmethod
    def _month(request) -> dt.date:
        raw = request.query_params.get("month")
        month = parse_month(raw)
        if raw and month is None:
            raise ValidationError({"month": [gettext("月份格式须为 YYYY-MM")]})
        return month or default_month()

    def handle_exception(self, exc):
        # An error is JSON in the API's error shape even when a file was asked for.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
