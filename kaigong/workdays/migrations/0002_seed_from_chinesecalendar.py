"""Seed the workday calendar from the installed chinesecalendar package (every year it covers: 2004–2026 in 1.11).

A fresh install therefore knows those years with no extra step. The data is read from the package's own
holiday and make-up workday tables (kaigong.workdays.sources.read_chinesecalendar), not copied here. Years
already present are left alone. Later package upgrades: `kaigong workdays seed`.
"""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from kaigong.workdays.sources import read_chinesecalendar, write_schedule

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    present = set(CalendarYear.objects.values_list("year", flat=True))
    now = timezone.now()
    for schedule in read_chinesecalendar():
        if schedule.year not in present:
            write_schedule(CalendarYear, CalendarDay, schedule, source="chinesecalendar", now=now)


def unseed(apps, schema_editor):
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarYear.objects.filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
