"""字典别名: the office gives categories, levels and departments the aliases ledgers write them by (issue 8, section
3), on its own pages rather than the admin; the ledger importer then matches them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department
from kaigong.accounts.tests.factories import DepartmentFactory
from kaigong.audit.models import AuditEvent
from kaigong.projects.tests.ledger_sheets import COUNTY_HEADER, make_ledger_world, write_xlsx

HEALTH = "侯马市卫生健康和体育局"
LIST = reverse("projects:dictionaries")
HEADER = COUNTY_HEADER


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    world = make_ledger_world(department, other_department, organization)
    world["health"] = DepartmentFactory(name=HEALTH, short_name="卫体局")
    return world


def edit_url(kind, entry) -> str:
    return reverse("projects:dictionary-edit", args=[kind, entry.pk])


def dry_run(path) -> str:
    """The CLI's dry run: what it prints, or a CommandError carrying the problems it found."""
    out = StringIO()
    err = StringIO()
    try:
        call_command("import-ledger", str(path), "--dry-run", stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(err.getvalue()) from exc
    return out.getvalue()


def test_the_office_gives_a_department_an_alias_and_the_ledger_then_matches_it(login, users, tmp_path, ledger_world):
    health = ledger_world["health"]
    rows = [
        ["侯马市2025年重点项目台账"] + [None] * 9,
        HEADER,
        [
            1,
            "浍河湿地公园",
            "产业类",
            "市级",
            ledger_world["organization"].name,
            500,
            100,
            "前期",
            "储备库",
            "市卫体局",
        ],
    ]
    path = write_xlsx(tmp_path / "ledger.xlsx", rows)
    with pytest.raises(CommandError, match="市卫体局"):
        dry_run(path)  # nobody answers to 市卫体局 yet
    client = login(users[Role.OFFICE])

    listing = client.get(LIST).content.decode()
    assert HEALTH in listing and edit_url("department", health) in listing
    assert client.get(edit_url("department", health)).status_code == 200
    response = client.post(edit_url("department", health), {"aliases": "市卫体局\n\n 市卫健体育局 \n"})

    assert response.status_code == 302
    health.refresh_from_db()
    assert health.alias_list == ["市卫体局", "市卫健体育局"]
    row = client.get(LIST).content.decode().split(f'data-entry="department-{health.pk}"')[1].split("</tr>")[0]
    assert "市卫体局、市卫健体育局" in row
    text = dry_run(path)
    assert f"责任单位: {HEALTH}" in text, text
    event = AuditEvent.objects.get(action="update", object_id=str(health.pk))
    assert event.actor == users[Role.OFFICE]
    assert event.changes["aliases"] == ["", "市卫体局\n市卫健体育局"]


def test_an_alias_another_entry_answers_to_is_refused_on_the_form(login, users, ledger_world):
    ledger_world["health"].aliases = "市卫体局"
    ledger_world["health"].save()
    department = ledger_world["department"]
    client = login(users[Role.OFFICE])

    for alias, other in [("市卫体局", HEALTH), ("住建局", "侯马市住房和城乡建设管理局")]:
        page = client.post(edit_url("department", department), {"aliases": f"发改委\n{alias}"})

        assert page.status_code == 200
        assert page.context["form"].errors["aliases"] == [f"别名“{alias}”已是“{other}”的名称或别名"]
        assert f"别名“{alias}”已是“{other}”的名称或别名" in page.content.decode()
    department.refresh_from_db()
    assert department.aliases == ""
    assert not AuditEvent.objects.filter(object_id=str(department.pk), action="update").exists()


@pytest.mark.parametrize("kind", ["category", "level"])
def test_the_admin_edits_a_category_or_level_and_the_change_is_audited(login, users, ledger_world, kind):
    entry = ledger_world["industry" if kind == "category" else "municipal"]
    client = login(users[Role.ADMIN])

    response = client.post(edit_url(kind, entry), {"aliases": "别名甲\n别名乙"})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.alias_list == ["别名甲", "别名乙"]
    event = AuditEvent.objects.get(action="update", object_id=str(entry.pk), content_type__model=kind)
    assert event.changes == {"aliases": ["", "别名甲\n别名乙"]} and event.actor == users[Role.ADMIN]
    assert "别名甲、别名乙" in client.get(LIST).content.decode()


def test_the_list_has_the_three_dictionaries_in_a_fixed_number_of_queries(
    login, users, ledger_world, django_assert_max_num_queries
):
    client = login(users[Role.OFFICE])
    with django_assert_max_num_queries(8):
        page = client.get(LIST).content.decode()
    for kind in ("category", "level", "department"):
        assert f'data-testid="dictionary-{kind}"' in page
    assert "“一泓清水入黄河”类" in page and "yellow-river" in page and "市级" in page and "住建局" in page


def test_an_unknown_dictionary_is_not_found(login, users, ledger_world):
    client = login(users[Role.OFFICE])
    assert client.get(reverse("projects:dictionary-edit", args=["stage", 1])).status_code == 404
    assert client.get(reverse("projects:dictionary-edit", args=["department", 99999])).status_code == 404


@pytest.mark.parametrize("role", [Role.LEADER, Role.DEPARTMENT, Role.ENTERPRISE])
def test_the_dictionary_pages_are_the_offices(login, users, role, ledger_world):
    health = ledger_world["health"]
    client = login(users[role])

    assert client.get(LIST).status_code == 403
    assert client.get(edit_url("department", health)).status_code == 403
    assert client.post(edit_url("department", health), {"aliases": "市卫体局"}).status_code == 403
    assert 'data-testid="nav-dictionaries"' not in client.get(reverse("projects:list")).content.decode()
    assert Department.objects.get(pk=health.pk).aliases == ""


@pytest.mark.parametrize("role", [Role.OFFICE, Role.ADMIN])
def test_the_office_and_admins_see_the_dictionaries_in_the_navigation(login, users, role):
    page = login(users[role]).get(reverse("projects:list")).content.decode()
    assert 'data-testid="nav-dictionaries"' in page
