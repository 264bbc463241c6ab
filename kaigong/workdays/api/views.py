"""The workday calendar API: arithmetic and reads for every signed-in user; edits and loads for administrators.

A result that needs a year whose calendar is not loaded answers 409 ``calendar_year_missing`` unless the request
asks ``provisional=true``, in which case it answers 200 with ``provisional: true`` and the ``missing_years``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.core.api import ErrorSerializer, error_responses
from kaigong.workdays import calendar, selectors, services
from kaigong.workdays.api.serializers import (
    AddAnswerSerializer,
    AddQuerySerializer,
    CalendarDaySerializer,
    CalendarYearCreateSerializer,
    CalendarYearDetailSerializer,
    CalendarYearSerializer,
    CalendarYearUpdateSerializer,
    CountAnswerSerializer,
    CountQuerySerializer,
    IsWorkdayAnswerSerializer,
    IsWorkdayQuerySerializer,
    LoadAnswerSerializer,
    ScheduleUploadSerializer,
)
from kaigong.workdays.sources import ScheduleFileError

TAG = ["workdays"]
MISSING_YEAR = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="calendar_year_missing: the result needs a year whose calendar is not loaded "
        "(ask provisional=true for a flagged weekends-only result)",
    )
}
YEAR_EXISTS = {409: OpenApiResponse(ErrorSerializer, description="calendar_year_exists: that year is already stored")}
DATE_PARAMETER = OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH, description="YYYY-MM-DD")


class IsCalendarAdminOrReadOnly(permissions.BasePermission):
    """Everyone signed in reads; only administrators write."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_kaigong_admin


def _answer(result) -> dict:
    return {"provisional": result.provisional, "missing_years": list(result.missing_years)}


def _result(fn, *args, provisional: bool, **kwargs):
    """Run strict (raising CalendarYearMissing → 409) or provisional; always return a WorkdayResult."""
    if provisional:
        return fn(*args, provisional=True, **kwargs)
    return calendar.WorkdayResult(fn(*args, **kwargs))


class WorkdayAddView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="workdays_add",
        summary="The Nth working day after a date",
        parameters=[AddQuerySerializer],
        responses={200: AddAnswerSerializer, **error_responses(400, 401), **MISSING_YEAR},
    )
    def get(self, request):
        query = AddQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = _result(
            calendar.add_workdays,
            data["date"],
            data["n"],
            suspensions=data["suspension"],
            provisional=data["provisional"],
        )
        body = {"date": data["date"], "n": data["n"], "result": result.value, **_answer(result)}
        return Response(AddAnswerSerializer(body).data)


class WorkdayCountView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="workdays_count",
        summary="Working days after start up to and including end",
        parameters=[CountQuerySerializer],
        responses={200: CountAnswerSerializer, **error_responses(400, 401), **MISSING_YEAR},
    )
    def get(self, request):
        query = CountQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = _result(
            calendar.count_workdays,
            data["start"],
            data["end"],
            suspensions=data["suspension"],
            provisional=data["provisional"],
        )
        body = {"start": data["start"], "end": data["end"], "workdays": result.value, **_answer(result)}
        return Response(CountAnswerSerializer(body).data)


class IsWorkdayView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="workdays_is_workday",
        summary="Whether a date is a working day",
        parameters=[IsWorkdayQuerySerializer],
        responses={200: IsWorkdayAnswerSerializer, **error_responses(400, 401), **MISSING_YEAR},
    )
    def get(self, request):
        query = IsWorkdayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = _result(calendar.is_workday, data["date"], provisional=data["provisional"])
        body = {"date": data["date"], "is_workday": result.value, **_answer(result)}
        return Response(IsWorkdayAnswerSerializer(body).data)


class CalendarYearListView(APIView):
    permission_classes = [IsCalendarAdminOrReadOnly]

    @extend_schema(
        tags=TAG,
        operation_id="workdays_years_list",
        summary="Stored calendar years",
        responses={200: CalendarYearSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        return Response(CalendarYearSerializer(selectors.list_calendar_years(), many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="workdays_years_create",
        summary="Start a year by hand (administrators)",
        request=CalendarYearCreateSerializer,
        responses={201: CalendarYearDetailSerializer, **error_responses(400, 401, 403), **YEAR_EXISTS},
    )
    def post(self, request):
        data = CalendarYearCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        calendar_year = services.create_calendar_year(actor=request.user, **data.validated_data)
        calendar_year = selectors.get_calendar_year(year=calendar_year.year)
        return Response(CalendarYearDetailSerializer(calendar_year).data, status=status.HTTP_201_CREATED)


class CalendarYearDetailView(APIView):
    permission_classes = [IsCalendarAdminOrReadOnly]

    @extend_schema(
        tags=TAG,
        operation_id="workdays_years_retrieve",
        summary="One year with its holidays and make-up workdays",
        responses={200: CalendarYearDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, year: int):
        return Response(CalendarYearDetailSerializer(selectors.get_calendar_year(year=year)).data)

    @extend_schema(
        tags=TAG,
        operation_id="workdays_years_partial_update",
        summary="Mark a year complete or change its notice (administrators)",
        request=CalendarYearUpdateSerializer,
        responses={200: CalendarYearDetailSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, year: int):
        calendar_year = selectors.get_calendar_year(year=year)
        data = CalendarYearUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_calendar_year(calendar_year=calendar_year, actor=request.user, **data.validated_data)
        return Response(CalendarYearDetailSerializer(selectors.get_calendar_year(year=year)).data)

    @extend_schema(
        tags=TAG,
        operation_id="workdays_years_destroy",
        summary="Delete a year and its days (administrators)",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, year: int):
        services.delete_calendar_year(calendar_year=selectors.get_calendar_year(year=year), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarDayListView(APIView):
    permission_classes = [IsCalendarAdminOrReadOnly]

    @extend_schema(
        tags=TAG,
        operation_id="workdays_days_list",
        summary="A year's holidays and make-up workdays",
        responses={200: CalendarDaySerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request, year: int):
        return Response(CalendarDaySerializer(selectors.get_calendar_year(year=year).days.all(), many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="workdays_days_set",
        summary="Add a holiday or make-up workday, or change that date's entry (administrators)",
        request=CalendarDaySerializer,
        responses={200: CalendarDaySerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, year: int):
        calendar_year = selectors.get_calendar_year(year=year)
        data = CalendarDaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day = services.set_calendar_day(calendar_year=calendar_year, actor=request.user, **data.validated_data)
        return Response(CalendarDaySerializer(day).data)


class CalendarDayDetailView(APIView):
    permission_classes = [IsCalendarAdminOrReadOnly]

    @extend_schema(
        tags=TAG,
        operation_id="workdays_days_retrieve",
        parameters=[DATE_PARAMETER],
        responses={200: CalendarDaySerializer, **error_responses(401, 404)},
    )
    def get(self, request, year: int, date):
        return Response(CalendarDaySerializer(selectors.get_calendar_day(year=year, date=date)).data)

    @extend_schema(
        tags=TAG,
        operation_id="workdays_days_destroy",
        summary="Remove a holiday or make-up workday (administrators)",
        parameters=[DATE_PARAMETER],
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, year: int, date):
        services.remove_calendar_day(day=selectors.get_calendar_day(year=year, date=date), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScheduleLoadView(APIView):
    permission_classes = [IsCalendarAdminOrReadOnly]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAG,
        operation_id="workdays_load",
        summary="Load a year's schedule from a CSV or JSON file, all or nothing (administrators)",
        request={"multipart/form-data": ScheduleUploadSerializer},
        responses={201: LoadAnswerSerializer, **error_responses(400, 401, 403), **YEAR_EXISTS},
    )
    def post(self, request):
        data = ScheduleUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            result = services.load_schedule_file(
                content=upload.read(), filename=upload.name, replace=data.validated_data["replace"], actor=request.user
            )
        except ScheduleFileError as exc:
            body = {"code": exc.code, "message": exc.message, "message_en": exc.message_en}
            body["fields"] = {"file": [str(problem) for problem in exc.problems]}
            return Response({"error": body}, status=exc.status)
        schedule = result.schedule
        body = {
            "year": schedule.year,
            "holidays": schedule.holiday_count,
            "makeup_workdays": schedule.makeup_workday_count,
            "replaced_days": result.replaced_days,
            "notes": [str(note) for note in schedule.notes],
        }
        return Response(LoadAnswerSerializer(body).data, status=status.HTTP_201_CREATED)
