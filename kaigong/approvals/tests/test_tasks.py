"""The background tasks resolve from the path the database queue stores (django-tasks-db imports a task by it)."""

import pytest
from django.utils.module_loading import import_string

from kaigong.approvals.checklists.tasks import refresh_clocks_task
from kaigong.approvals.plans.tasks import refresh_forecasts_task


@pytest.mark.parametrize("task", [refresh_clocks_task, refresh_forecasts_task])
def test_a_queued_task_resolves_from_its_stored_path(task):
    assert task.module_path.startswith("kaigong.approvals.")
    assert import_string(task.module_path) is task
