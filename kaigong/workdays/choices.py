from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    """What a listed calendar day is. Weekends need no row: a Saturday or Sunday is a rest day unless listed."""

    HOLIDAY = "holiday", _("法定节假日")
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班日")


class CalendarSource(models.TextChoices):
    """Where a year's schedule came from."""

    CHINESECALENDAR = "chinesecalendar", _("chinesecalendar 数据包")
    FILE = "file", _("文件导入")
    MANUAL = "manual", _("手工录入")
