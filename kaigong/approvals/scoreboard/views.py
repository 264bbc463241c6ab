"""The department scoreboard page and its Excel export (definitions in board.py)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kaigong.approvals.permissions import can_see_scoreboard
from kaigong.approvals.scoreboard.board import as_dict, get_scoreboard
from kaigong.approvals.scoreboard.exporters import export_scoreboard
from kaigong.approvals.scoreboard.forms import ScoreboardForm


def _board(user, params):
    if not can_see_scoreboard(user):
        raise PermissionDenied(_("企业用户不能查看部门审批时效排名"))
    form = ScoreboardForm(params)  # always bound: every field is optional, the period defaults to the year to date
    if not form.is_valid():
        return form, None
    return form, get_scoreboard(user=user, **form.board_arguments())


@login_required
def scoreboard_page(request):
    form, board = _board(request.user, request.GET)
    return render(
        request,
        "approvals/scoreboard/scoreboard.html",
        {
            "form": form,
            "board": board,
            "chart": as_dict(board) if board else None,
            "query": request.GET.urlencode(),
        },
        status=200 if board else 400,
    )


@login_required
def scoreboard_export(request):
    form, board = _board(request.user, request.GET)
    if board is None:
        return render(request, "approvals/scoreboard/scoreboard.html", {"form": form, "board": None}, status=400)
    handle, filename = export_scoreboard(board=board, actor=request.user)
    return FileResponse(handle, as_attachment=True, filename=filename)
