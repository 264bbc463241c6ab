"""The department scoreboard page, its Excel export and its API endpoint (definitions in scoreboard.py)."""

import os
import tempfile

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from openpyxl.styles import Font
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.accounts.models import Department
from kaigong.approvals import scoreboard
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.api import error_responses
from kaigong.core.exceptions import PermissionDeniedError

MAX_DAYS = 366 * 10


class ScoreboardForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("办结日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(
        label=gettext_lazy("审批部门"),
        queryset=Department.objects.filter(approval_matters__isnull=False).distinct().order_by("sort_order", "name"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        default_start, default_end = scoreboard.default_period(today)
        data["start"] = data.get("start") or default_start
        data["end"] = data.get("end") or default_end
        if data["start"] > data["end"]:
            raise forms.ValidationError(gettext_lazy("开始日期不能晚于结束日期"))
        if (data["end"] - data["start"]).days > MAX_DAYS:
            raise forms.ValidationError(gettext_lazy("统计区间最长十年"))
        return data


def _board(user, params):
    if not scoreboard.can_see_scoreboard(user):
        raise PermissionDenied(_("企业用户不能查看部门审批时效排名"))
    form = ScoreboardForm(params)  # always bound: every field is optional, the period defaults to the year to date
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    department = data.get("department")
    board = scoreboard.get_scoreboard(
        user=user, start=data["start"], end=data["end"], department_id=department.pk if department else None
    )
    return form, board


@login_required
def scoreboard_page(request):
    form, board = _board(request.user, request.GET)
    return render(
        request,
        "approvals/scoreboard/scoreboard.html",
        {
            "form": form,
            "board": board,
            "chart": scoreboard.as_dict(board) if board else None,
            "query": request.GET.urlencode(),
        },
        status=200 if board else 400,
    )


def _percent(value):
    return None if value is None else float(value)


@login_required
def scoreboard_export(request):
    form, board = _board(request.user, request.GET)
    if board is None:
        return render(request, "approvals/scoreboard/scoreboard.html", {"form": form, "board": None}, status=400)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("部门排名")
    title = _("审批时效排名(%(start)s 至 %(end)s 办结)") % {
        "start": board.start.isoformat(),
        "end": board.end.isoformat(),
    }
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    header = [
        _("名次"),
        _("审批部门"),
        _("办结件数"),
        _("中位用时(工作日)"),
        _("90%用时(工作日)"),
        _("标杆时限内办结占比"),
        _("超时件数"),
        _("在办件数"),
    ]
    sheet.append(header)
    for row in board.departments:
        f = row.figures
        sheet.append([row.rank, row.name, f.decided, f.median, f.p90, _percent(f.within_benchmark), f.overdue, f.open])
        sheet.cell(row=sheet.max_row, column=6).number_format = "0%"
    matters = workbook.create_sheet(_("事项排名"))
    matters.append([title])
    matters.append(
        [
            _("审批部门"),
            _("部门内名次"),
            _("审批事项"),
            _("法定时限"),
            _("承诺时限"),
            _("标杆时限"),
            _("办结件数"),
            _("中位用时(工作日)"),
            _("90%用时(工作日)"),
            _("标杆时限内办结占比"),
            _("超时件数"),
            _("在办件数"),
        ]
    )
    for department in board.departments:
        for row in department.matters:
            f, m = row.figures, row.matter
            matters.append(
                [
                    department.name,
                    row.rank,
                    m.name,
                    m.statutory_limit,
                    m.committed_limit,
                    m.benchmark_limit,
                    f.decided,
                    f.median,
                    f.p90,
                    _percent(f.within_benchmark),
                    f.overdue,
                    f.open,
                ]
            )
            matters.cell(row=matters.max_row, column=10).number_format = "0%"
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    workbook.save(path)
    handle = open(path, "rb")  # noqa: SIM115 - handed to FileResponse, which closes it
    os.unlink(path)
    with transaction.atomic():
        record_event(
            action=AuditAction.EXPORT,
            actor=request.user,
            note=title,
            changes={"params": {"start": board.start.isoformat(), "end": board.end.isoformat()}},
        )
    filename = f"scoreboard-{board.start:%Y%m%d}-{board.end:%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename)


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
        if not scoreboard.can_see_scoreboard(request.user):
            raise PermissionDeniedError("企业用户不能查看部门审批时效排名")
        form = ScoreboardForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [m for e in v for m in e.messages] for k, v in form.errors.as_data().items()})
        data = form.cleaned_data
        department = data.get("department")
        board = scoreboard.get_scoreboard(
            user=request.user, start=data["start"], end=data["end"], department_id=department.pk if department else None
        )
        return Response(scoreboard.as_dict(board))
