"""Dates that would break the city are refused where they enter: the API, the pages, the ledger import (issue 10 §4).

A planned groundbreaking of 0001-01-01 or 9999-12-31 was accepted and then stopped the daily forecast of every
project; core/dates.py bounds every date a person or a sheet gives."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kaigong.accounts.choices import Role
from kaigong.core.dates import EARLIEST, LATEST, validate_plausible_date
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx


@given(st.dates())
def test_the_validator_accepts_exactly_the_plausible_range(day):
    if EARLIEST <= day <= LATEST:
        validate_plausible_date(day)
    else:
        with pytest.raises(ValidationError):
            validate_plausible_date(day)


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900-05-01"])
@pytest.mark.parametrize("accept", ["zh-hans", "en"])
def test_the_api_refuses_an_implausible_planned_date_with_a_message(users, api_login, day, accept):
    project = ProjectFactory(total_investment=Decimal("100"), annual_planned_investment=Decimal("10"))
    api = api_login(users[Role.OFFICE])
    response = api.patch(
        reverse("project-detail", args=[project.pk]),
        {"planned_start_date": day, "version": project.version},
        format="json",
        HTTP_ACCEPT_LANGUAGE=accept,
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert "planned_start_date" in error["fields"]
    assert "1949-10-01" in error["message_en"] + str(error["fields"])
    project.refresh_from_db()
    assert project.planned_start_date != dt.date.fromisoformat(day)


@pytest.mark.django_db
def test_a_plausible_date_still_saves(users, api_login):
    project = ProjectFactory(total_investment=Decimal("100"), annual_planned_investment=Decimal("10"))
    api = api_login(users[Role.OFFICE])
    response = api.patch(
        reverse("project-detail", args=[project.pk]),
        {"planned_start_date": "2099-12-31", "version": project.version},
        format="json",
    )
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_the_ledger_import_reports_an_implausible_date_as_a_row_problem(
    tmp_path, department, other_department, organization
):
    make_ledger_world(department, other_department, organization)
    rows = [
        ["项目名称", "项目类别", "总投资", "年度计划投资", "计划年度", "建设单位", "责任单位", "计划开工时间"],
        ["远期项目", "产业类", "100", "10", "2024", organization.name, department.name, "9999-12-31"],
    ]
    result = import_ledger(write_xlsx(tmp_path / "far.xlsx", rows), dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(2, "计划开工时间")]
    assert "1949-10-01" in result.problems[0].message and "2099-12-31" in result.problems[0].message_en
    assert not Project.objects.filter(name="远期项目").exists()
