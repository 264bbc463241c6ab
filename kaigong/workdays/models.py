from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.workdays.choices import CalendarSource, DayKind

MIN_YEAR = 1949
MAX_YEAR = 2100


class CalendarYear(models.Model):
    """One year of the State Council's holiday schedule (节假日安排) as Kaigong knows it.

    A year counts as loaded for working-day arithmetic only when ``is_complete`` is set: a year an administrator
    is still typing in by hand stays out of deadlines until it is marked complete. Weekends are implicit; only the
    exceptions (holidays and make-up workdays) are stored, as ``CalendarDay`` rows.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=20, choices=CalendarSource.choices, default=CalendarSource.MANUAL)
    is_complete = models.BooleanField(_("已完整载入"), default=False, help_text=_("勾选后,该年的日历才用于工作日计算"))
    notice = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如国务院办公厅通知的文号"))
    loaded_at = models.DateTimeField(_("载入时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                name="workdays_calendaryear_year_in_range",
                violation_error_message=_("年份须在1949至2100之间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年工作日历"


class CalendarDay(models.Model):
    """One exception to the weekday rule: a statutory holiday (放假) or a make-up workday (调休上班日)."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True, help_text=_("如 春节、国庆节"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values),
                name="workdays_calendarday_kind_valid",
                violation_error_message=_("日期类型无效"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()

    def clean(self):
        if self.date and self.calendar_year_id and self.date.year != self.calendar_year.year:
            raise ValidationError({"date": _("日期不在该年度内")})
        if self.kind == DayKind.MAKEUP_WORKDAY and self.date and self.date.weekday() < 5:
            raise ValidationError({"date": _("调休上班日必须是周六或周日")})
