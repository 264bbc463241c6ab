"""Projects in the monthly cycle, for the progress tests."""

import datetime as dt
from decimal import Decimal

from kaigong.projects.choices import Stage
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory


def building_project(
    *,
    stage: str = Stage.CONSTRUCTION,
    started: dt.date = dt.date(2024, 1, 1),
    annual: str = "1200",
    total: str = "10000",
    registered: bool = True,
    **fields,
) -> Project:
    """A project in construction since ``started`` (Project.stage is the projects services' to write: set here as a
    migration of the test data, the way the demo city's history is)."""
    project = ProjectFactory(
        coded=True,
        annual_planned_investment=Decimal(annual),
        total_investment=Decimal(total),
        planned_start_date=started,
        registered_in_statistics=registered,
        statistics_registered_on=started if registered else None,
        **fields,
    )
    Project.objects.filter(pk=project.pk).update(stage=stage, actual_start_date=started)
    project.refresh_from_db()
    return project
