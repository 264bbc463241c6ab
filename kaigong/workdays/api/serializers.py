"""Serializers of the workday calendar API: parsing and shaping only."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kaigong.workdays.models import MAX_YEAR, MIN_YEAR, CalendarDay, CalendarYear


class SuspensionField(serializers.CharField):
    """A suspension window (补正) as ``FIRST,LAST`` (ISO dates, both inclusive)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            first, last = (dt.date.fromisoformat(part.strip()) for part in text.split(","))
        except ValueError as exc:
            raise serializers.ValidationError(_("中止计时时段应写作 开始日期,结束日期,格式 YYYY-MM-DD")) from exc
        if last < first:
            raise serializers.ValidationError(_("中止计时时段的结束日期早于开始日期"))
        return (first, last)


class _Query(serializers.Serializer):
    provisional = serializers.BooleanField(
        default=False,
        help_text="true: when a needed year is not loaded, answer with a provisional result (weekends only) "
        "flagged provisional=true instead of the 409 calendar_year_missing error",
    )
    suspension = serializers.ListField(
        child=SuspensionField(),
        required=False,
        default=list,
        help_text="repeatable: a suspension window (补正) FIRST,LAST whose working days are not counted",
    )


class AddQuerySerializer(_Query):
    date = serializers.DateField(help_text="start date (e.g. the acceptance date 受理日)")
    n = serializers.IntegerField(min_value=-10000, max_value=10000, help_text="working days; negative counts back")


class CountQuerySerializer(_Query):
    start = serializers.DateField()
    end = serializers.DateField()


class IsWorkdayQuerySerializer(serializers.Serializer):
    date = serializers.DateField()
    provisional = serializers.BooleanField(default=False)


class _Answer(serializers.Serializer):
    provisional = serializers.BooleanField(help_text="true when some needed year was reckoned with weekends only")
    missing_years = serializers.ListField(child=serializers.IntegerField())


class AddAnswerSerializer(_Answer):
    date = serializers.DateField()
    n = serializers.IntegerField()
    result = serializers.DateField(help_text="the Nth working day after date")


class CountAnswerSerializer(_Answer):
    start = serializers.DateField()
    end = serializers.DateField()
    workdays = serializers.IntegerField(help_text="working days after start up to and including end")


class IsWorkdayAnswerSerializer(_Answer):
    date = serializers.DateField()
    is_workday = serializers.BooleanField()


class CalendarDaySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "kind_display", "name"]
        # Posting an existing date changes that day (the service decides create or update).
        extra_kwargs = {"date": {"validators": []}, "name": {"default": ""}}


class CalendarYearSerializer(serializers.ModelSerializer):
    holiday_count = serializers.IntegerField(read_only=True)
    makeup_workday_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CalendarYear
        fields = [
            "year",
            "source",
            "is_complete",
            "notice",
            "loaded_at",
            "updated_at",
            "holiday_count",
            "makeup_workday_count",
        ]


class CalendarYearDetailSerializer(CalendarYearSerializer):
    days = CalendarDaySerializer(many=True, read_only=True)

    class Meta(CalendarYearSerializer.Meta):
        fields = [*CalendarYearSerializer.Meta.fields, "days"]


class CalendarYearCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    is_complete = serializers.BooleanField(default=False)
    notice = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CalendarYearUpdateSerializer(serializers.Serializer):
    is_complete = serializers.BooleanField(required=False)
    notice = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ScheduleUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (date,kind,name) or JSON list of {date, kind, name}; one year")
    replace = serializers.BooleanField(default=False, help_text="replace the stored days of that year")


class LoadAnswerSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    holidays = serializers.IntegerField()
    makeup_workdays = serializers.IntegerField()
    replaced_days = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())
