"""Every write of the Django admin (/admin/) is audited like a service's (issue 10 §11): users created, their role
and privileges changed (ending their tokens and sessions), deactivated and reactivated, given a password; a
department, an organization, a category or a level renamed; deletions one at a time and audited, or refused. A
renamed category or level keeps its former name, so the ledgers that still use it go on importing."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.forms import BooleanField, MultiWidget
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from kaigong.accounts import services
from kaigong.accounts.choices import AccountEvent, Role, UserEvent
from kaigong.accounts.models import Department, User
from kaigong.accounts.tests.factories import UserFactory
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.projects.models import Category, Level, Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import COUNTY_HEADER, make_ledger_world, write_xlsx

GOOD_PASSWORD = "Kaigong-2026-safe"


@pytest.fixture
def admin_client(client, users):
    client.force_login(users[Role.ADMIN])
    return client


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def form_post(client, url: str, **changes) -> dict:
    """The admin form at ``url`` as the browser would send it back unchanged, with ``changes`` applied (a value None
    leaves a checkbox unticked)."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field, BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "" if value is None else str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def events(obj, **filters):
    return list(AuditEvent.objects.for_object(obj).filter(**filters).order_by("id"))


def logged_in_elsewhere(user) -> Client:
    other = Client()
    other.force_login(user)
    assert other.get(reverse("projects:list")).status_code == 200
    return other


# --- users ---------------------------------------------------------------------------------------------------


def test_a_role_change_in_the_admin_is_audited_and_ends_the_users_tokens_and_sessions(admin_client, users):
    leader, admin = users[Role.LEADER], users[Role.ADMIN]
    token = services.issue_token(user=leader)
    elsewhere = logged_in_elsewhere(leader)
    url = change_url(leader)

    response = admin_client.post(url, form_post(admin_client, url, role=Role.ADMIN))

    assert response.status_code == 302, response.context["adminform"].form.errors
    leader.refresh_from_db()
    assert leader.role == Role.ADMIN
    [changed] = events(leader, code=UserEvent.ROLE_CHANGED)
    assert (changed.action, changed.actor, changed.changes) == ("update", admin, {"role": ["leader", "admin"]})
    assert not Token.objects.filter(key=token.key).exists()
    assert elsewhere.get(reverse("projects:list")).status_code == 302  # the old session is gone: log in again
    [revoked] = events(leader, code=AccountEvent.CREDENTIALS_REVOKED)
    assert (revoked.action, revoked.actor, revoked.note) == ("access", admin, "tokens 1, sessions 1")
    assert not events(leader, code="", action="update")  # nothing else changed, no other event
    page = admin_client.get(reverse("audit:log"), {"code": UserEvent.ROLE_CHANGED})
    [row] = page.context["page_obj"].object_list
    assert row.pk == changed.pk
    text = page.content.decode()
    assert "变更角色或权限" in text
    assert '<span class="before">领导</span> → <span class="after">系统管理员</span>' in text


def test_privileges_given_in_the_admin_are_a_role_change(admin_client, users):
    office = users[Role.OFFICE]
    permission = Permission.objects.get(codename="view_user")
    url = change_url(office)

    response = admin_client.post(
        url, form_post(admin_client, url, is_staff="on", user_permissions=[str(permission.pk)])
    )

    assert response.status_code == 302
    office.refresh_from_db()
    assert office.is_staff and list(office.user_permissions.all()) == [permission]
    [changed] = events(office, code=UserEvent.ROLE_CHANGED)
    assert changed.changes == {
        "is_staff": [False, True],
        "user_permissions": [[], [str(permission)]],
    }


def test_deactivating_and_reactivating_a_user_in_the_admin_are_events(admin_client, users):
    leader, admin = users[Role.LEADER], users[Role.ADMIN]
    elsewhere = logged_in_elsewhere(leader)
    url = change_url(leader)

    assert admin_client.post(url, form_post(admin_client, url, is_active=None)).status_code == 302
    leader.refresh_from_db()
    assert not leader.is_active
    [deactivated] = events(leader, code=UserEvent.DEACTIVATED)
    assert (deactivated.actor, deactivated.changes) == (admin, {"is_active": [True, False]})
    assert elsewhere.get(reverse("projects:list")).status_code == 302
    assert events(leader, code=AccountEvent.CREDENTIALS_REVOKED)

    assert admin_client.post(url, form_post(admin_client, url, is_active="on")).status_code == 302
    [activated] = events(leader, code=UserEvent.ACTIVATED)
    assert activated.changes == {"is_active": [False, True]}


def test_a_profile_change_is_a_plain_update_and_keeps_the_session(admin_client, users, other_department):
    officer = users[Role.DEPARTMENT]
    elsewhere = logged_in_elsewhere(officer)
    url = change_url(officer)

    response = admin_client.post(
        url, form_post(admin_client, url, display_name="王经办", department=str(other_department.pk))
    )

    assert response.status_code == 302
    [event] = events(officer, action="update")
    assert event.code == ""
    assert event.changes["display_name"][1] == "王经办"
    assert event.changes["department"] == ["侯马市发展和改革局", "侯马市住房和城乡建设管理局"]
    assert elsewhere.get(reverse("projects:list")).status_code == 200
    assert not events(officer, code=AccountEvent.CREDENTIALS_REVOKED)


def test_a_user_created_in_the_admin_is_an_event_without_the_password(admin_client, users, organization):
    data = {
        "username": "zhangsan",
        "usable_password": "true",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "display_name": "张三",
        "role": Role.ENTERPRISE,
        "organization": str(organization.pk),
    }

    response = admin_client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="zhangsan")
    assert user.check_password(GOOD_PASSWORD) and user.role == Role.ENTERPRISE
    [created] = events(user)
    assert (created.action, created.code, created.actor) == ("create", UserEvent.CREATED, users[Role.ADMIN])
    assert created.changes["username"] == [None, "zhangsan"]
    assert created.changes["role"] == [None, "enterprise"]
    assert created.changes["organization"] == [None, organization.name]
    assert GOOD_PASSWORD not in str(created.changes) and "password" not in created.changes


def test_a_refused_user_is_not_created_nor_audited(admin_client, users):
    data = {"username": "lisi", "usable_password": "true", "password1": "kaigong1", "password2": "kaigong1"}
    data |= {"role": Role.DEPARTMENT, "display_name": "李四"}  # no department, and a weak password

    response = admin_client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 200
    assert not User.objects.filter(username="lisi").exists()
    assert not AuditEvent.objects.filter(code=UserEvent.CREATED).exists()


def test_a_password_set_in_the_admin_is_an_access_event_and_ends_the_tokens(admin_client, users):
    leader = users[Role.LEADER]
    services.issue_token(user=leader)
    url = reverse("admin:auth_user_password_change", args=[leader.pk])
    data = {"usable_password": "true", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.check_password(GOOD_PASSWORD)
    [event] = events(leader, code=AccountEvent.PASSWORD_SET)
    assert (event.action, event.actor) == ("access", users[Role.ADMIN])
    assert not Token.objects.filter(user=leader).exists()
    mismatch = admin_client.post(url, {**data, "password2": "something-else-1A"})
    assert mismatch.status_code == 200 and len(events(leader, code=AccountEvent.PASSWORD_SET)) == 1


def test_users_are_not_deleted_in_the_admin(admin_client, users):
    leader = users[Role.LEADER]
    assert admin_client.get(reverse("admin:accounts_user_delete", args=[leader.pk])).status_code == 403
    assert (
        admin_client.post(reverse("admin:accounts_user_delete", args=[leader.pk]), {"post": "yes"}).status_code == 403
    )
    assert User.objects.filter(pk=leader.pk).exists()


# --- departments, organizations, categories, levels ----------------------------------------------------------


def test_renaming_a_department_in_the_admin_is_audited_and_keeps_the_former_name(admin_client, users, department):
    url = change_url(department)

    response = admin_client.post(
        url, form_post(admin_client, url, name="侯马市发展改革和科技局", short_name="发改科技局")
    )

    assert response.status_code == 302
    department.refresh_from_db()
    assert department.alias_list == ["侯马市发展和改革局", "发改局"]
    [event] = events(department, action="update")
    assert event.actor == users[Role.ADMIN]
    assert event.changes == {
        "name": ["侯马市发展和改革局", "侯马市发展改革和科技局"],
        "short_name": ["发改局", "发改科技局"],
        "aliases": ["", "侯马市发展和改革局\n发改局"],
    }


def test_renaming_an_organization_in_the_admin_is_audited(admin_client, users, organization):
    url = change_url(organization)

    assert admin_client.post(url, form_post(admin_client, url, name="国强兴晟能源(侯马)有限公司")).status_code == 302

    [event] = events(organization, action="update")
    assert event.changes == {"name": ["江苏国强兴晟能源科技有限公司", "国强兴晟能源(侯马)有限公司"]}
    assert event.actor == users[Role.ADMIN]


def test_a_category_changed_in_the_admins_list_is_audited(admin_client, users, ledger_world):
    industry = ledger_world["industry"]
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(industry.pk),
        "form-0-sort_order": "7",  # is_active left unticked: deactivated
        "_save": "保存",
    }

    response = admin_client.post(reverse("admin:projects_category_changelist") + "?q=industry", data)

    assert response.status_code == 302
    industry.refresh_from_db()
    assert (industry.sort_order, industry.is_active) == (7, False)
    [event] = events(industry, action="update")
    assert event.changes == {"sort_order": [1, 7], "is_active": [True, False]}


@pytest.mark.parametrize("kind", ["category", "level"])
def test_a_category_or_level_renamed_in_the_admin_still_imports_by_both_names(
    admin_client, users, ledger_world, tmp_path, kind
):
    entry = ledger_world["industry" if kind == "category" else "municipal"]
    old, new = entry.name, ("工业类" if kind == "category" else "市本级")
    url = change_url(entry)

    assert admin_client.post(url, form_post(admin_client, url, name=new)).status_code == 302

    [event] = events(entry, action="update")
    assert event.changes["name"] == [old, new] and event.actor == users[Role.ADMIN]
    column = COUNTY_HEADER.index("项目类别" if kind == "category" else "项目级别")
    rows = [["侯马市2025年重点项目台账"] + [None] * 9, COUNTY_HEADER]
    for number, name in enumerate([old, new], start=1):
        row = [number, f"{name}改名后项目", "产业类", "市级", ledger_world["organization"].name, 500, 100]
        row += ["前期", "储备库", "侯马市发展和改革局"]
        row[column] = name
        rows.append(row)
    path = write_xlsx(tmp_path / "ledger.xlsx", rows)
    call_command("import-ledger", str(path), stdout=StringIO(), stderr=StringIO())

    for name in (old, new):
        project = Project.objects.get(name=f"{name}改名后项目")
        assert getattr(project, kind).pk == entry.pk


def test_a_rename_does_not_take_a_name_another_entry_answers_to(admin_client, ledger_world):
    industry, infra = ledger_world["industry"], ledger_world["infra"]
    url = change_url(infra)
    admin_client.post(url, form_post(admin_client, url, name="基建类"))  # 基础设施类 becomes an alias of infra
    url = change_url(industry)

    refused = admin_client.post(url, form_post(admin_client, url, name="基础设施类"))

    assert refused.status_code == 200  # the name another entry answers to is refused with the form's message
    assert "已是“基建类”的别名" in refused.content.decode()
    industry.refresh_from_db()
    assert industry.name == "产业类" and not events(industry, action="update")


def test_a_new_category_and_its_deletion_are_events_and_a_used_one_is_kept(admin_client, users, ledger_world):
    add = admin_client.post(
        reverse("admin:projects_category_add"),
        {"name": "文旅类", "code": "culture", "sort_order": "5", "is_active": "on", "aliases": ""},
    )
    assert add.status_code == 302
    culture = Category.objects.get(code="culture")
    [created] = events(culture)
    assert created.action == "create" and created.changes["name"] == [None, "文旅类"]

    delete_url = reverse("admin:projects_category_delete", args=[culture.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Category.objects.filter(pk=culture.pk).exists()
    deleted = AuditEvent.objects.get(action="delete", object_id=str(culture.pk), content_type__model="category")
    assert deleted.changes["name"] == ["文旅类", None] and deleted.actor == users[Role.ADMIN]

    ProjectFactory(category=ledger_world["industry"])
    used_url = reverse("admin:projects_category_delete", args=[ledger_world["industry"].pk])
    admin_client.post(used_url, {"post": "yes"})
    assert Category.objects.filter(pk=ledger_world["industry"].pk).exists()
    assert not AuditEvent.objects.filter(action="delete", object_id=str(ledger_world["industry"].pk)).exists()


def test_a_department_deleted_in_the_admin_is_an_event(admin_client, users):
    spare = Department.objects.create(name="临时工作专班")
    assert (
        admin_client.post(reverse("admin:accounts_department_delete", args=[spare.pk]), {"post": "yes"}).status_code
        == 302
    )
    event = AuditEvent.objects.get(action="delete", object_id=str(spare.pk), content_type__model="department")
    assert event.changes["name"] == ["临时工作专班", None]


@pytest.mark.parametrize(
    "changelist",
    ["accounts_user", "accounts_department", "accounts_organization", "projects_category", "projects_level"],
)
def test_the_admin_offers_no_bulk_delete(admin_client, ledger_world, changelist):
    page = admin_client.get(reverse(f"admin:{changelist}_changelist"))
    assert page.status_code == 200
    assert "delete_selected" not in page.content.decode()


def test_bulk_delete_posted_anyway_deletes_nothing(admin_client, ledger_world):
    level = Level.objects.create(name="县级", code="county")
    data = {"action": "delete_selected", "_selected_action": [str(level.pk)], "post": "yes"}

    admin_client.post(reverse("admin:projects_level_changelist"), data)

    assert Level.objects.filter(pk=level.pk).exists()


# --- who gets in ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_no_other_role_gets_into_the_admin(client, users, role):
    client.force_login(users[role])
    leader = users[Role.LEADER]

    assert client.get(reverse("admin:index")).status_code == 302  # to the admin's login
    response = client.post(change_url(leader), {"username": "leader", "role": Role.ADMIN})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    leader.refresh_from_db()
    assert leader.role == Role.LEADER


def test_a_staff_account_of_another_role_sees_nothing_in_the_admin(client, users, department):
    staff = UserFactory(username="staff-office", role=Role.OFFICE, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["accounts", "projects"]))
    client.force_login(staff)
    leader = users[Role.LEADER]

    assert "accounts_user" not in client.get(reverse("admin:index")).content.decode()
    assert client.get(change_url(leader)).status_code == 403
    assert client.post(change_url(leader), {"username": "leader", "role": Role.ADMIN}).status_code == 403
    assert client.post(change_url(department), {"name": "改名"}).status_code == 403
    password = {"usable_password": "true", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    assert client.post(reverse("admin:auth_user_password_change", args=[leader.pk]), password).status_code == 403
    assert not User.objects.get(pk=leader.pk).check_password(GOOD_PASSWORD)
    leader.refresh_from_db()
    department.refresh_from_db()
    assert leader.role == Role.LEADER and department.name == "侯马市发展和改革局"
    assert not AuditEvent.objects.filter(action="update").exists()


def test_tokens_and_groups_are_not_in_the_admin(admin_client):
    # A token made in the admin would let the administrator act as anyone through the API, unrecorded.
    index = admin_client.get(reverse("admin:index")).content.decode()

    assert "tokenproxy" not in index and "auth/group" not in index
    assert admin_client.get("/admin/authtoken/tokenproxy/add/").status_code == 404
    assert admin_client.get("/admin/auth/group/").status_code == 404


def test_task_results_are_the_administrators_alone(client, admin_client):
    staff = UserFactory(username="staff-tasks", role=Role.OFFICE, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="django_tasks_database"))
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")

    assert admin_client.get(changelist).status_code == 200
    client.force_login(staff)
    assert client.get(changelist).status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICE, Role.LEADER])
def test_the_account_services_refuse_anyone_but_the_administrator(users, role, department):
    actor = users[role]
    with pytest.raises(PermissionDeniedError):
        services.update_user(user=users[Role.LEADER], data={"role": Role.ADMIN}, actor=actor)
    with pytest.raises(PermissionDeniedError):
        services.create_user(data={"username": "x"}, password=None, actor=actor)
    with pytest.raises(PermissionDeniedError):
        services.update_department(department=department, data={"name": "改名"}, actor=actor)
    assert User.objects.get(pk=users[Role.LEADER].pk).role == Role.LEADER
    assert Department.objects.get(pk=department.pk).name == "侯马市发展和改革局"


def test_an_account_created_by_createsuperuser_is_an_event(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", GOOD_PASSWORD)

    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org", stdout=StringIO())

    root = User.objects.get(username="root")
    [created] = events(root)
    assert (created.action, created.code, created.actor_display) == ("create", UserEvent.CREATED, "系统")
    assert created.changes == {
        "username": [None, "root"],
        "email": [None, "root@example.org"],
        "role": [None, "admin"],
        "is_staff": [None, True],
        "is_superuser": [None, True],
    }


@pytest.mark.parametrize(
    ("add", "data", "model"),
    [
        (
            "admin:accounts_department_add",
            {"name": "侯马市数据局", "short_name": "数据局", "kind": "government"},
            Department,
        ),
        ("admin:projects_level_add", {"name": "省级", "code": "provincial"}, Level),
    ],
)
def test_a_department_or_level_added_in_the_admin_is_an_event(admin_client, users, add, data, model):
    response = admin_client.post(reverse(add), {**data, "sort_order": "100", "aliases": ""})

    assert response.status_code == 302
    entry = model.objects.get(name=data["name"])
    [created] = events(entry)
    assert (created.action, created.actor) == ("create", users[Role.ADMIN])
    assert created.changes["name"] == [None, data["name"]] and created.changes["sort_order"] == [None, 100]
