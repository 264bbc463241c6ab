"""A history or audit row renders whatever model, field or relation it names (issue 8: 19 demo project pages and the
audit log answered 500 on a plan's baseline event, whose "items" key is a reverse relation)."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists import services as approval_services
from kaigong.approvals.models import ApprovalMatter, ProjectPlan
from kaigong.approvals.plans import services as plan_services
from kaigong.audit.models import AuditEvent
from kaigong.projects.templatetags.kaigong_tags import change_rows
from kaigong.projects.tests.factories import ProjectFactory


class _Event:
    """An audit event as change_rows reads it, for a model that may have no events yet."""

    def __init__(self, model, changes):
        self.content_type_id = ContentType.objects.get_for_model(model).pk
        self.changes = changes


def _keys(model) -> list[str]:
    """Every name an audit event of this model could carry: fields, relations both ways, and its audit labels."""
    names = [field.name for field in model._meta.get_fields()] + list(getattr(model, "AUDIT_LABELS", {}))
    return list(dict.fromkeys(names))


@pytest.mark.django_db
@pytest.mark.parametrize("model", apps.get_models(), ids=lambda model: model._meta.label)
def test_every_field_and_relation_of_every_model_has_a_readable_row(model):
    keys = _keys(model)
    changes = {name: [None, "x"] for name in keys}
    rows = change_rows(_Event(model, changes))
    assert [row["field"] for row in rows] == keys
    assert all(row["label"] and row["after"] == "x" and row["before"] == "—" for row in rows)


@pytest.mark.django_db
def test_unknown_keys_and_odd_values_render_as_text():
    event = _Event(
        ProjectPlan, {"no_such_field": {"a": 1}, "items": {}, "baseline": [None, "2024-01-01T01:30:00+00:00"]}
    )
    rows = {row["field"]: row for row in change_rows(event)}
    assert rows["no_such_field"]["label"] == "no_such_field"
    assert rows["baseline"]["label"] == "基线"
    assert rows["baseline"]["after"] == "2024-01-01 09:30"  # local time (Asia/Shanghai), to the minute


def test_a_plan_baseline_shows_on_the_project_page_and_the_audit_log(login, users, db):
    project = ProjectFactory(name="基线测试项目")
    approval_services.generate_checklist(project=project, actor=users[Role.OFFICE])
    plan_services.save_baseline(project=project, actor=users[Role.OFFICE])
    event = AuditEvent.objects.get(content_type=ContentType.objects.get_for_model(ProjectPlan), code="baseline")
    code, (_before, (start, finish)) = next(iter(event.changes["items"].items()))
    matter = ApprovalMatter.objects.get(code=code)  # the first baseline lists every item's new target dates

    page = login(users[Role.ADMIN]).get(reverse("projects:detail", args=[project.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"方案事项 · {matter.name}" in body and f"{start}、{finish}" in body

    audit = login(users[Role.ADMIN]).get(reverse("audit:log"))
    assert audit.status_code == 200
    assert f"方案事项 · {matter.name}" in audit.content.decode()
