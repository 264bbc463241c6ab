"""The bulletin's pages: a preview of the month's 工作简报 with a month picker, and its PDF and Word downloads.

Inside government only (permissions.can_see_monthly_view); the figures are those of the projects the viewer sees, so
a department's bulletin speaks of its own projects. The bulletin itself is composed by progress.bulletin (always in
Chinese: it is a government document); the page around it is translated.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from kaigong.progress import bulletin as bulletins
from kaigong.progress import permissions, selectors
from kaigong.progress.office_forms import parse_month


def _require_viewer(user) -> None:
    if not permissions.can_see_monthly_view(user):
        raise PermissionDenied(_("只有政府部门用户可以查看工作简报"))


def default_month(today: dt.date | None = None) -> dt.date:
    """The last month whose reporting window has closed: a bulletin speaks of a month whose reports are in."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    if today <= selectors.get_settings().window(month)[1]:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def _month(request) -> dt.date:
    raw = request.GET.get("month")
    month = parse_month(raw)
    if raw and month is None:
        raise Http404(_("月份格式须为 YYYY-MM"))
    return month or default_month()


@login_required
def bulletin_page(request):
    _require_viewer(request.user)
    month = _month(request)
    bulletin = bulletins.build_bulletin(user=request.user, month=month)
    return render(
        request,
        "progress/bulletin/page.html",
        {"bulletin": bulletin, "sections": bulletins.html_sections(bulletin), "month": month},
    )


@login_required
def bulletin_download(request, fmt: str):
    _require_viewer(request.user)
    if fmt not in bulletins.MEDIA_TYPES:
        raise Http404(_("文件格式须为 pdf 或 docx"))
    bulletin = bulletins.build_bulletin(user=request.user, month=_month(request))
    response = HttpResponse(bulletins.render_bytes(bulletin, fmt), content_type=bulletins.MEDIA_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, bulletins.filename(bulletin, fmt))
    return response
