"""The scoreboard workbook writes names as text: a department or matter named like a formula is not one."""

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from kaigong.accounts.choices import Role
from kaigong.approvals.choices import Decision, ItemStatus
from kaigong.approvals.models import Checklist, ChecklistItem
from kaigong.projects.tests.factories import ProjectFactory

HYPERLINK = '=HYPERLINK("http://x","y")'


def test_names_that_look_like_formulas_are_written_as_text(users, login, matter):
    matter.department.name = matter.department.short_name = "=1+2"
    matter.department.save()
    matter.name = HYPERLINK
    matter.save()
    ChecklistItem.objects.create(
        checklist=Checklist.objects.create(project=ProjectFactory()),
        matter=matter,
        status=ItemStatus.DECIDED,
        accepted_on=dt.date(2025, 1, 2),
        decided_on=dt.date(2025, 3, 3),
        decision=Decision.APPROVED,
        actual_workdays=3,
    )
    response = login(users[Role.OFFICE]).get(
        reverse("approvals:scoreboard-export"), {"start": "2025-01-01", "end": "2025-06-30"}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    departments, matters = workbook.worksheets
    assert (departments["B3"].value, departments["B3"].data_type) == ("=1+2", "s")
    assert (matters["A3"].value, matters["A3"].data_type) == ("=1+2", "s")
    assert (matters["C3"].value, matters["C3"].data_type) == (HYPERLINK, "s")
