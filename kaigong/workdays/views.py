"""Pages of the workday calendar: every signed-in user reads it and uses the calculator; administrators edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaigong.core.exceptions import KaigongError
from kaigong.core.forms import add_service_error
from kaigong.workdays import selectors, services
from kaigong.workdays.forms import (
    AddWorkdaysForm,
    CalendarDayForm,
    CalendarYearCreateForm,
    CalendarYearUpdateForm,
    CountWorkdaysForm,
    ScheduleUploadForm,
)
from kaigong.workdays.sources import ScheduleFileError


def _require_admin(request) -> None:
    if not request.user.is_kaigong_admin:
        raise PermissionDenied


def _add_errors(form, exc: Exception) -> None:
    add_service_error(form, exc)
    if isinstance(exc, ScheduleFileError):  # each problem of the file under its summary
        for problem in exc.problems:
            form.add_error(None, problem.message_active)


def _index_context(request, *, create_form=None, upload_form=None) -> dict:
    op = request.GET.get("op")
    add_form = AddWorkdaysForm(request.GET if op == "add" else None, prefix="add")
    count_form = CountWorkdaysForm(request.GET if op == "count" else None, prefix="count")
    add_answer = count_answer = None
    if op == "add" and add_form.is_valid():
        add_answer = selectors.calculate_add(start=add_form.cleaned_data["start"], n=add_form.cleaned_data["n"])
    if op == "count" and count_form.is_valid():
        count_answer = selectors.calculate_count(
            start=count_form.cleaned_data["start"], end=count_form.cleaned_data["end"]
        )
    return {
        "years": selectors.list_calendar_years(),
        "add_form": add_form,
        "count_form": count_form,
        "add_answer": add_answer,
        "count_answer": count_answer,
        "create_form": create_form or CalendarYearCreateForm(prefix="year"),
        "upload_form": upload_form or ScheduleUploadForm(prefix="load"),
        "is_admin": request.user.is_kaigong_admin,
    }


@login_required
@require_GET
def index(request):
    """Year list and the working-day calculator."""
    return render(request, "workdays/index.html", _index_context(request))


@login_required
@require_POST
def year_create(request):
    _require_admin(request)
    form = CalendarYearCreateForm(request.POST, prefix="year")
    if form.is_valid():
        try:
            calendar_year = services.create_calendar_year(
                year=form.cleaned_data["year"], notice=form.cleaned_data["notice"], actor=request.user
            )
        except (KaigongError, DjangoValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已建立%(year)s年的工作日历;添加节假日和调休上班日后请标记为已完整载入")
                % {"year": calendar_year.year},
            )
            return redirect("workdays:year", year=calendar_year.year)
    return render(request, "workdays/index.html", _index_context(request, create_form=form), status=400)


@login_required
@require_POST
def load(request):
    """Upload a year's schedule (CSV/JSON): all or nothing."""
    _require_admin(request)
    form = ScheduleUploadForm(request.POST, request.FILES, prefix="load")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.load_schedule_file(
                content=upload.read(), filename=upload.name, replace=form.cleaned_data["replace"], actor=request.user
            )
        except (KaigongError, DjangoValidationError) as exc:
            _add_errors(form, exc)
        else:
            schedule = result.schedule
            messages.success(
                request,
                _("已载入%(year)s年的工作日历:节假日%(holidays)s天,调休上班日%(makeup)s天")
                % {"year": schedule.year, "holidays": schedule.holiday_count, "makeup": schedule.makeup_workday_count},
            )
            for note in schedule.notes:
                messages.info(request, note.message)
            return redirect("workdays:year", year=schedule.year)
    return render(request, "workdays/index.html", _index_context(request, upload_form=form), status=400)


def _year_context(request, year: int, *, day_form=None, year_form=None) -> dict:
    calendar_year = selectors.get_calendar_year(year=year)
    return {
        "calendar_year": calendar_year,
        "grids": selectors.year_month_grids(calendar_year),
        "days": list(calendar_year.days.all()),
        "is_admin": request.user.is_kaigong_admin,
        "day_form": day_form or CalendarDayForm(prefix="day"),
        "year_form": year_form
        or CalendarYearUpdateForm(
            prefix="edit", initial={"is_complete": calendar_year.is_complete, "notice": calendar_year.notice}
        ),
    }


@login_required
@require_GET
def year_detail(request, year: int):
    """A year's month grids and its holidays and make-up workdays."""
    return render(request, "workdays/year.html", _year_context(request, year))


@login_required
@require_POST
def year_update(request, year: int):
    _require_admin(request)
    calendar_year = selectors.get_calendar_year(year=year)
    form = CalendarYearUpdateForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.update_calendar_year(
                calendar_year=calendar_year,
                is_complete=form.cleaned_data["is_complete"],
                notice=form.cleaned_data["notice"],
                actor=request.user,
            )
        except (KaigongError, DjangoValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("workdays:year", year=year)
    return render(request, "workdays/year.html", _year_context(request, year, year_form=form), status=400)


@login_required
@require_POST
def year_delete(request, year: int):
    _require_admin(request)
    calendar_year = selectors.get_calendar_year(year=year)
    services.delete_calendar_year(calendar_year=calendar_year, actor=request.user)
    messages.success(request, _("已删除%(year)s年的工作日历") % {"year": year})
    return redirect("workdays:index")


@login_required
@require_POST
def day_set(request, year: int):
    """Add a holiday or make-up workday, or change the existing entry of that date."""
    _require_admin(request)
    calendar_year = selectors.get_calendar_year(year=year)
    form = CalendarDayForm(request.POST, prefix="day")
    if form.is_valid():
        try:
            services.set_calendar_day(calendar_year=calendar_year, actor=request.user, **form.cleaned_data)
        except (KaigongError, DjangoValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存%(date)s") % {"date": form.cleaned_data["date"].isoformat()})
            return redirect("workdays:year", year=year)
    return render(request, "workdays/year.html", _year_context(request, year, day_form=form), status=400)


@login_required
@require_POST
def day_remove(request, year: int, date):
    _require_admin(request)
    day = selectors.get_calendar_day(year=year, date=date)
    services.remove_calendar_day(day=day, actor=request.user)
    messages.success(request, _("已移除%(date)s") % {"date": date.isoformat()})
    return redirect("workdays:year", year=year)
