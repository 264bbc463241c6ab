"""The approval catalogue and the rules: seed, pages, API and CLI, per role, every edit audited."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department
from kaigong.approvals.data.catalogue import MATTERS, RULES
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaigong.approvals.tests.urls")]


def test_fresh_install_has_the_seeded_catalogue():
    matters = ApprovalMatter.objects.all()
    assert 25 <= matters.count() <= 40
    assert set(matters.values_list("approval_stage", flat=True)) == {1, 2, 3, 4, 5}
    ratification = ApprovalMatter.objects.get(code="ratification")
    assert ratification.statutory_limit == 20 and not ratification.is_local_configuration
    assert ratification.department.name == "侯马市行政审批服务管理局"
    permit = ApprovalMatter.objects.get(code="engineering-planning-permit")
    # heritage-consent: added by the heritage app's migration 0002 (issue 3 §5)
    assert {p.code for p in permit.prerequisites.all()} == {
        "land-use-planning-permit",
        "design-scheme-review",
        "heritage-consent",
    }
    assert ChecklistRule.objects.count() == len(RULES)
    for name in ("考古调查勘探", "文物影响评估", "环境影响评价文件审批(报告书/报告表)", "联合验收", "施工许可"):
        assert matters.filter(name__contains=name.split("(")[0]).exists(), name
    # Every matter whose limits are not a published figure says so.
    assert matters.filter(is_local_configuration=True).count() == len(MATTERS) - 1


def test_seed_command_adds_only_what_is_missing_and_is_audited(capsys):
    ApprovalMatter.objects.get(code="seismic-safety").rules.all().delete()
    ApprovalMatter.objects.filter(code="seismic-safety").delete()
    ApprovalMatter.objects.filter(code="filing").update(committed_limit=2)  # an administrator's edit
    call_command("approvals", "seed")
    assert "matters +1, rules +1" in capsys.readouterr().out
    assert ApprovalMatter.objects.get(code="filing").committed_limit == 2  # not overwritten
    assert AuditEvent.objects.filter(object_repr="地震安全性评价", actor_label="命令 approvals seed").exists()
    call_command("approvals", "seed")
    assert "departments +0, matters +0, rules +0" in capsys.readouterr().out


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_catalogue_page(users, login, role, django_assert_max_num_queries):
    client = login(users[role])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("approvals:matter-list"))
    assert response.status_code == 200
    assert "企业投资项目核准" in response.content.decode()
    matter = ApprovalMatter.objects.get(code="ratification")
    detail = client.get(reverse("approvals:matter-detail", args=[matter.pk])).content.decode()
    assert "核准类项目需核准" in detail or role == Role.ENTERPRISE
    if role == Role.ENTERPRISE:
        assert "核准类项目需核准" not in detail  # rules are not shown to enterprises


def test_admin_edits_a_matter_on_the_page_and_it_is_audited(users, login):
    matter = ApprovalMatter.objects.get(code="filing")
    client = login(users[Role.ADMIN])
    url = reverse("approvals:matter-edit", args=[matter.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "prerequisites"}
    data.update(committed_limit=2, department=matter.department_id, prerequisites=[])
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.committed_limit == 2
    event = AuditEvent.objects.for_object(matter).get()
    assert event.changes["committed_limit"] == [1, 2] and event.actor == users[Role.ADMIN]


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_only_administrators_edit_matters_on_pages(users, login, role):
    matter = ApprovalMatter.objects.get(code="filing")
    client = login(users[role])
    assert client.get(reverse("approvals:matter-edit", args=[matter.pk])).status_code == 403
    assert client.post(reverse("approvals:matter-create"), {"code": "x", "name": "x"}).status_code == 403


def test_prerequisite_cycle_is_refused_on_the_page(users, login):
    land_permit = ApprovalMatter.objects.get(code="land-use-planning-permit")
    permit = ApprovalMatter.objects.get(code="engineering-planning-permit")
    client = login(users[Role.ADMIN])
    url = reverse("approvals:matter-edit", args=[land_permit.pk])
    data = {
        "code": land_permit.code,
        "name": land_permit.name,
        "approval_stage": 1,
        "committed_limit": 5,
        "sort_order": 1,
        "prerequisites": [permit.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["prerequisites"]
    assert "前置事项形成循环" in errors[0] and "建设工程规划许可证" in errors[0]
    assert not land_permit.prerequisites.filter(pk=permit.pk).exists()
    assert not AuditEvent.objects.for_object(land_permit).exists()


def test_rules_page_for_office_and_not_for_enterprise(users, login, django_assert_max_num_queries):
    client = login(users[Role.OFFICE])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("approvals:rule-list"))
    assert response.status_code == 200
    assert "(审批方式 等于 核准)" not in response.content.decode()  # single leaf: no parentheses
    assert "审批方式 等于 核准" in response.content.decode()
    assert login(users[Role.ENTERPRISE]).get(reverse("approvals:rule-list")).status_code == 403


def test_invalid_condition_on_the_rule_page_shows_every_path_and_keeps_input(users, login):
    matter = ApprovalMatter.objects.get(code="filing")
    client = login(users[Role.ADMIN])
    condition = (
        '{"all": [{"attr": "colour", "op": "eq", "value": "red"}, '
        '{"attr": "building_area", "op": "gt", "value": "big"}]}'
    )
    response = client.post(
        reverse("approvals:rule-create"), {"name": "新规则", "matter": matter.pk, "condition": condition}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["condition"]
    assert any(e.startswith("条件.all[0]: 未知属性 “colour”") for e in errors)
    assert any(e.startswith("条件.all[1].value: 取值须为数字") for e in errors)
    assert "colour" in response.content.decode()  # what was typed is still there
    assert not ChecklistRule.objects.filter(name="新规则").exists()


def test_admin_creates_edits_and_deletes_a_rule_on_pages_audited(users, login):
    matter = ApprovalMatter.objects.get(code="filing")
    client = login(users[Role.ADMIN])
    response = client.post(
        reverse("approvals:rule-create"),
        {
            "name": "新规则",
            "matter": matter.pk,
            "condition": '{"attr": "is_simple_low_risk", "op": "is_true"}',
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = ChecklistRule.objects.get(name="新规则")
    assert rule.condition == {"attr": "is_simple_low_risk", "op": "is_true"}
    client.post(
        reverse("approvals:rule-edit", args=[rule.pk]),
        {"name": "新规则", "matter": matter.pk, "condition": '{"all": []}', "is_active": "on"},
    )
    rule.refresh_from_db()
    assert rule.condition == {"all": []}
    assert login(users[Role.OFFICE]).post(reverse("approvals:rule-delete", args=[rule.pk])).status_code == 403
    client = login(users[Role.ADMIN])  # the login fixture shares one client
    client.post(reverse("approvals:rule-delete", args=[rule.pk]))
    assert not ChecklistRule.objects.filter(pk=rule.pk).exists()
    actions = list(AuditEvent.objects.filter(object_repr="新规则").order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update", "delete"]


# --- API ------------------------------------------------------------------------------------------------------


def test_api_lists_matters_for_everyone_with_a_query_guard(users, api_login, django_assert_max_num_queries):
    api = api_login(users[Role.ENTERPRISE])
    with django_assert_max_num_queries(5):
        response = api.get("/api/approvals/matters/?page_size=100")
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert "企业投资项目核准" in names
    row = next(r for r in response.json()["results"] if r["code"] == "ratification")
    assert row["statutory_limit"] == 20 and row["department_name"] == "侯马市行政审批服务管理局"


def test_api_admin_creates_and_patches_a_matter_audited(users, api_login):
    api = api_login(users[Role.ADMIN])
    prerequisite = ApprovalMatter.objects.get(code="filing")
    response = api.post(
        "/api/approvals/matters/",
        {
            "code": "tree-felling",
            "name": "树木迁移审批",
            "approval_stage": 5,
            "committed_limit": 5,
            "prerequisites": [prerequisite.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["prerequisites"] == [prerequisite.pk]
    response = api.patch(f"/api/approvals/matters/{pk}/", {"committed_limit": 3}, format="json")
    assert response.status_code == 200 and response.json()["committed_limit"] == 3
    matter = ApprovalMatter.objects.get(pk=pk)
    assert list(AuditEvent.objects.for_object(matter).order_by("id").values_list("action", flat=True)) == [
        "create",
        "update",
    ]


def test_api_refuses_bad_matter_input_in_the_error_shape(users, api_login):
    api = api_login(users[Role.ADMIN])
    response = api.post(
        "/api/approvals/matters/",
        {"code": "filing", "name": "重复", "approval_stage": 1, "statutory_limit": 5, "committed_limit": 9},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "code" in fields and "committed_limit" in fields
    filing = ApprovalMatter.objects.get(code="filing")
    ratification = ApprovalMatter.objects.get(code="ratification")
    api.patch(f"/api/approvals/matters/{ratification.pk}/", {"prerequisites": [filing.pk]}, format="json")
    response = api.patch(f"/api/approvals/matters/{filing.pk}/", {"prerequisites": [ratification.pk]}, format="json")
    assert response.status_code == 400
    assert "前置事项形成循环" in response.json()["error"]["fields"]["prerequisites"][0]


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_api_matter_writes_are_forbidden_to_non_admins(users, api_login, role):
    matter = ApprovalMatter.objects.get(code="filing")
    response = api_login(users[role]).patch(
        f"/api/approvals/matters/{matter.pk}/", {"committed_limit": 3}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_api_rules_validation_lists_paths(users, api_login):
    matter = ApprovalMatter.objects.get(code="filing")
    response = api_login(users[Role.ADMIN]).post(
        "/api/approvals/rules/",
        {
            "name": "坏规则",
            "matter": matter.pk,
            "condition": {"any": [{"attr": "review_regime", "op": "lt", "value": "x"}]},
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert body["fields"]["condition"][0].startswith("条件.any[0]: 属性 “review_regime” 不支持运算符 “lt”")


def test_api_rules_per_role(users, api_login, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = api_login(users[Role.OFFICE]).get("/api/approvals/rules/?page_size=100")
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(RULES)
    assert api_login(users[Role.ENTERPRISE]).get("/api/approvals/rules/").status_code == 403
    rule = ChecklistRule.objects.first()
    assert api_login(users[Role.OFFICE]).delete(f"/api/approvals/rules/{rule.pk}/").status_code == 403
    admin = api_login(users[Role.ADMIN])
    assert admin.patch(f"/api/approvals/rules/{rule.pk}/", {"is_active": False}, format="json").status_code == 200
    assert admin.delete(f"/api/approvals/rules/{rule.pk}/").status_code == 204
    assert AuditEvent.objects.filter(object_repr=rule.name, action="delete").exists()


def test_seed_departments_are_approving_departments():
    assert Department.objects.get(name="侯马市文物局").kind == "approving"
