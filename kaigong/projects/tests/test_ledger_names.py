"""Names as county ledgers write them: owners named without a credit code, dictionary values typed with any quotes,
script or width, and the aliases the office gives departments, categories and levels (issue 8, section 3)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext, override

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department, Organization
from kaigong.accounts.tests.factories import DepartmentFactory, OrganizationFactory, make_credit_code
from kaigong.audit.models import AuditEvent
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import LedgerImport, Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import COUNTY_HEADER, make_ledger_world, write_xlsx

JINYUN = "侯马市晋韵城市建设有限公司"
NANZHAN = "侯马市南站物流有限公司"
HEADER = COUNTY_HEADER


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    world = make_ledger_world(department, other_department, organization)
    world["health"] = DepartmentFactory(
        name="侯马市卫生健康和体育局", short_name="卫体局", aliases="市卫体局\n市卫健体育局"
    )
    return world


def county_sheet_rows(world):
    """A county office's ledger: owners by name only (one of them typed once in traditional characters, the
    registered one in traditional too), the category with straight quotes, none or a suffix, the level, stage and
    pool in traditional characters or quoted, the department by an alias the office gave it."""
    registered = world["organization"].name.replace("苏", "蘇").replace("国", "國").replace("强", "強")
    return [
        ["侯马市2025年重点项目台账"] + [None] * 9,
        ["单位:万元"] + [None] * 9,
        HEADER,
        [1, "浍河湿地公园", '"一泓清水入黄河"类', "市級", JINYUN, 500, 100, "續建", "實施庫", "市卫体局"],
        [
            2,
            "汾河生态修复",
            "一泓清水入黄河",
            "“市级”",
            "侯馬市晉韻城市建設有限公司",
            800,
            200,
            "“在建”",
            "实施库",
            "市衛體局",
        ],
        [3, "国强光伏二期", "产业类项目", "市级", registered, 900, 300, "前期", "储备库", "發改局"],
        [4, "南站物流园", "「基礎設施」類", "市级", NANZHAN, 300, 50, "谋划", "储备库", "住建局"],
    ]


def _problems(result):
    return [(p.row, p.column, p.message) for p in result.problems]


# -- owners by name ----------------------------------------------------------------------------------------------


def test_dry_run_lists_the_owners_it_will_register_and_writes_nothing(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "county.xlsx", county_sheet_rows(ledger_world))
    before = Organization.objects.count()

    result = import_ledger(path, dry_run=True)

    assert _problems(result) == []
    assert [(o.name, o.credit_code, o.row, o.rows) for o in result.new_owners] == [
        (JINYUN, "", 4, 2),
        (NANZHAN, "", 7, 1),
    ]
    assert Organization.objects.count() == before and not Project.objects.exists()


def test_import_registers_each_owner_once_without_a_code_and_matches_every_dictionary_value(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "county.xlsx", county_sheet_rows(ledger_world))

    result = import_ledger(path, actor_label="测试")

    assert result.created == 4
    jinyun = Organization.objects.get(name=JINYUN)  # rows 4 and 5 name it in two scripts: one organization
    assert jinyun.credit_code is None and jinyun.missing_credit_code
    assert Organization.objects.get(name=NANZHAN).credit_code is None
    projects = {p.name: p for p in Project.objects.select_related("owner")}
    assert projects["浍河湿地公园"].owner == projects["汾河生态修复"].owner == jinyun
    assert projects["国强光伏二期"].owner == ledger_world["organization"]  # matched by name, typed in traditional
    water, health = ledger_world["water"], ledger_world["health"]
    for name in ("浍河湿地公园", "汾河生态修复"):
        project = projects[name]
        assert (project.category, project.level, project.responsible_department) == (
            water,
            ledger_world["municipal"],
            health,
        )
        assert (project.stage, project.pool) == (Stage.CONSTRUCTION, Pool.IMPLEMENTATION)
    assert projects["国强光伏二期"].category == ledger_world["industry"]
    assert projects["国强光伏二期"].responsible_department == ledger_world["department"]
    assert projects["南站物流园"].category == ledger_world["infra"]
    assert (projects["南站物流园"].stage, projects["南站物流园"].pool) == (Stage.PLANNING, Pool.PLANNING)
    created = AuditEvent.objects.filter(action="create", content_type__model="organization")
    assert sorted(e.changes["name"][1] for e in created) == [NANZHAN, JINYUN]


def test_a_name_without_code_in_one_row_and_with_it_in_another_is_one_organization(tmp_path, ledger_world):
    code = make_credit_code(31337)
    rows = [
        [*HEADER[:5], "统一社会信用代码", "总投资", "计划年度"],
        [1, "甲项目", "产业类", "市级", JINYUN, None, 100, 2025],
        [2, "乙项目", "产业类", "市级", JINYUN, code.lower(), 100, 2025],
    ]

    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert _problems(result) == []
    organization = Organization.objects.get(name=JINYUN)
    assert organization.credit_code == code
    assert set(Project.objects.values_list("owner", flat=True)) == {organization.pk}


def test_a_code_given_for_an_owner_registered_without_one_completes_it(tmp_path, ledger_world):
    owner = Organization.objects.create(name=JINYUN)
    code = make_credit_code(4711)
    rows = [
        [*HEADER[:5], "统一社会信用代码", "总投资", "计划年度"],
        [1, "甲项目", "产业类", "市级", JINYUN, code, 100, 2025],
    ]
    path = write_xlsx(tmp_path / "a.xlsx", rows)

    dry = import_ledger(path, dry_run=True)
    assert [o.as_dict()["action"] for o in dry.new_owners] == ["complete"]

    import_ledger(path)

    owner.refresh_from_db()
    assert owner.credit_code == code
    assert Organization.objects.filter(name=JINYUN).count() == 1
    assert Project.objects.get(name="甲项目").owner == owner


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91141081MA0K", "统一社会信用代码应为18位,这里是12位"),
        ("91141081MA0IOOOOO1", "统一社会信用代码第12位的“I”不是有效字符:只能用数字和大写字母,不用I、O、Z、S、V"),
        ("91141081MA0000-01X", "统一社会信用代码第15位的“-”不是有效字符:只能用数字和大写字母,不用I、O、Z、S、V"),
        ("911410A1MA00000010", "统一社会信用代码第7位的“A”不正确:第3至8位是行政区划码,只能是数字"),
    ],
)
def test_a_wrong_credit_code_is_refused_saying_what_is_wrong(tmp_path, ledger_world, code, message):
    rows = [
        [*HEADER[:5], "统一社会信用代码", "总投资", "计划年度"],
        [1, "甲项目", "产业类", "市级", JINYUN, code, 100, 2025],
    ]

    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert _problems(result) == [(2, "统一社会信用代码", message)]
    assert not Organization.objects.filter(name=JINYUN).exists()


def test_a_credit_code_typed_in_full_width_or_lower_case_is_read_as_it_is_meant(tmp_path, ledger_world):
    code = make_credit_code(1234)
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())  # ９１１４… as an input method types it
    rows = [
        [*HEADER[:5], "统一社会信用代码", "总投资", "计划年度"],
        [1, "甲项目", "产业类", "市级", JINYUN, typed, 100, 2025],
    ]

    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert _problems(result) == []
    assert Organization.objects.get(name=JINYUN).credit_code == code


def test_a_wrong_check_character_names_the_expected_one(tmp_path, ledger_world):
    good = make_credit_code(2024)
    wrong = "0" if good[-1] != "0" else "1"
    rows = [
        [*HEADER[:5], "统一社会信用代码", "总投资", "计划年度"],
        [1, "甲项目", "产业类", "市级", JINYUN, good[:-1] + wrong, 100, 2025],
    ]

    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert _problems(result) == [
        (2, "统一社会信用代码", f"统一社会信用代码校验位不正确:按前17位,第18位应为“{good[-1]}”,不是“{wrong}”")
    ]


def test_two_organizations_of_one_name_still_ask_for_the_code(tmp_path, ledger_world):
    OrganizationFactory(name=JINYUN)
    OrganizationFactory(name=JINYUN)
    rows = [[*HEADER[:5], "总投资", "计划年度"], [1, "甲项目", "产业类", "市级", JINYUN, 100, 2025]]

    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert _problems(result) == [(2, "建设单位", f"有多个名为“{JINYUN}”的单位,请填写统一社会信用代码")]


def test_the_command_dry_run_names_the_owners_to_register(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "county.xlsx", county_sheet_rows(ledger_world))
    out = StringIO()

    call_command("import-ledger", str(path), "--dry-run", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert f"将新建的建设单位:{JINYUN}(缺统一社会信用代码)、{NANZHAN}(缺统一社会信用代码)" in text
    with override("en"):
        english = gettext("将新建的建设单位:%(owners)s").split("%(")[0]
    english_lines = [line for line in text.splitlines() if line.startswith(english)]
    assert len(english_lines) == 1 and JINYUN in english_lines[0] and NANZHAN in english_lines[0]
    assert not Organization.objects.filter(name=JINYUN).exists()

    call_command("import-ledger", str(path), stdout=StringIO(), stderr=StringIO())

    assert Organization.objects.get(name=JINYUN).credit_code is None


def _upload(client, path):
    data = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("projects:ledger-import"), {"file": data})


def test_the_import_page_lists_the_owners_then_the_office_completes_them(login, users, tmp_path, ledger_world):
    client = login(users[Role.OFFICE])
    _upload(client, write_xlsx(tmp_path / "county.xlsx", county_sheet_rows(ledger_world)))
    record = LedgerImport.objects.get()

    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()

    assert 'data-testid="ledger-new-owners"' in page
    assert f"将新建的建设单位:{JINYUN}(缺统一社会信用代码)、{NANZHAN}(缺统一社会信用代码)" in page
    client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.DONE
    jinyun = Organization.objects.get(name=JINYUN)

    listing = client.get(reverse("accounts:organization-list"), {"missing_credit_code": "true"}).content.decode()

    assert JINYUN in listing and NANZHAN in listing
    assert ledger_world["organization"].name not in listing  # it has its code
    assert listing.count('data-testid="missing-credit-code"') == 2

    edit = reverse("accounts:organization-edit", args=[jinyun.pk])
    form = {"name": JINYUN, "credit_code": "91141081MA0IOOOOO1", "kind": jinyun.kind}
    refused = client.post(edit, form).content.decode()
    assert "统一社会信用代码第12位的“I”不是有效字符" in refused
    code = make_credit_code(8080)
    response = client.post(edit, {**form, "credit_code": code.lower()})

    assert response.status_code == 302
    jinyun.refresh_from_db()
    assert jinyun.credit_code == code
    event = AuditEvent.objects.get(action="update", object_id=str(jinyun.pk))
    assert event.changes["credit_code"] == [None, code] and event.actor == users[Role.OFFICE]
    listing = client.get(reverse("accounts:organization-list"), {"missing_credit_code": "true"}).content.decode()
    assert f'data-organization="{jinyun.pk}"' not in listing and NANZHAN in listing
    assert listing.count('data-testid="missing-credit-code"') == 1


def test_a_code_already_registered_is_refused_on_the_edit_page(login, users, ledger_world):
    owner = Organization.objects.create(name=JINYUN)
    taken = ledger_world["organization"].credit_code
    client = login(users[Role.OFFICE])

    page = client.post(
        reverse("accounts:organization-edit", args=[owner.pk]),
        {"name": JINYUN, "credit_code": taken, "kind": owner.kind},
    )

    assert page.status_code == 200
    owner.refresh_from_db()
    assert owner.credit_code is None


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_the_organization_pages_are_the_offices(login, users, role, organization):
    client = login(users[role])
    assert client.get(reverse("accounts:organization-list")).status_code == 403
    edit = reverse("accounts:organization-edit", args=[organization.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "改名", "kind": organization.kind}).status_code == 403
    organization.refresh_from_db()
    assert organization.name != "改名"


@pytest.mark.parametrize("role", [Role.OFFICE, Role.ADMIN])
def test_the_office_and_admins_see_the_organizations_in_the_navigation(login, users, role):
    page = login(users[role]).get(reverse("accounts:organization-list")).content.decode()
    assert 'data-testid="nav-organizations"' in page


def test_the_api_dry_run_lists_the_owners_and_the_organizations_to_complete(api_login, users, tmp_path, ledger_world):
    api = api_login(users[Role.OFFICE])
    path = write_xlsx(tmp_path / "county.xlsx", county_sheet_rows(ledger_world))
    with path.open("rb") as handle:
        body = api.post(reverse("api-ledger-check"), {"file": handle}, format="multipart").json()

    assert [(o["name"], o["credit_code"], o["missing_credit_code"], o["action"]) for o in body["new_owners"]] == [
        (JINYUN, None, True, "create"),
        (NANZHAN, None, True, "create"),
    ]
    assert body["new_owners_message"].startswith("将新建的建设单位:")
    with path.open("rb") as handle:
        assert api.post(reverse("api-ledger-import"), {"file": handle}, format="multipart").status_code == 200

    missing = api.get(reverse("organization-list"), {"missing_credit_code": "true"}).json()
    rows = missing["results"] if isinstance(missing, dict) else missing
    assert sorted(r["name"] for r in rows) == [NANZHAN, JINYUN]
    assert all(r["credit_code"] is None and r["missing_credit_code"] for r in rows)
    complete = api.get(reverse("organization-list"), {"missing_credit_code": "false"}).json()
    complete = complete["results"] if isinstance(complete, dict) else complete
    assert ledger_world["organization"].name in [r["name"] for r in complete]

    jinyun = Organization.objects.get(name=JINYUN)
    code = make_credit_code(9090)
    response = api.patch(reverse("organization-detail", args=[jinyun.pk]), {"credit_code": code}, format="json")
    assert response.status_code == 200 and response.json()["missing_credit_code"] is False
    bad = api.patch(reverse("organization-detail", args=[jinyun.pk]), {"credit_code": code[:-1]}, format="json")
    assert bad.json()["error"]["fields"]["credit_code"] == ["统一社会信用代码应为18位,这里是17位"]


def test_the_api_registers_an_organization_without_a_code(api_login, users):
    api = api_login(users[Role.OFFICE])

    first = api.post(reverse("organization-list"), {"name": JINYUN, "credit_code": ""}, format="json")
    second = api.post(reverse("organization-list"), {"name": NANZHAN}, format="json")

    assert first.status_code == second.status_code == 201
    assert first.json()["credit_code"] is None and first.json()["missing_credit_code"] is True
    assert Organization.objects.filter(credit_code__isnull=True).count() == 2


# -- aliases -----------------------------------------------------------------------------------------------------


def test_an_alias_may_not_name_another_entry(ledger_world):
    other = ledger_world["other_department"]  # 住建局
    other.aliases = "市衛體局"  # the health department's alias, in traditional characters
    with pytest.raises(ValidationError) as info:
        other.full_clean()
    assert info.value.message_dict["aliases"] == ["别名“市衛體局”已是“侯马市卫生健康和体育局”的名称或别名"]

    other.aliases = "发改局"
    with pytest.raises(ValidationError):
        other.full_clean()

    renamed = Department(name="市卫体局")
    with pytest.raises(ValidationError) as info:
        renamed.full_clean()
    assert "name" in info.value.message_dict

    other.aliases = " 住建 \n\n市住建局\n市住建局\n侯马市住房和城乡建设管理局"
    other.full_clean()
    assert other.alias_list == ["住建", "市住建局"]  # trimmed, once each, not its own name


def test_the_admin_edits_aliases_and_refuses_a_taken_one(login, users, ledger_world):
    client = login(users[Role.ADMIN])
    category = ledger_world["water"]
    url = reverse("admin:projects_category_change", args=[category.pk])
    data = {"name": category.name, "code": category.code, "sort_order": 3, "is_active": "on"}

    response = client.post(url, {**data, "aliases": "黄河流域生态保护类\n黄河生态"})

    assert response.status_code == 302
    category.refresh_from_db()
    assert category.alias_list == ["黄河流域生态保护类", "黄河生态"]
    refused = client.post(url, {**data, "aliases": "「产业类」"}).content.decode()
    assert "别名“「产业类」”已是“产业类”的名称或别名" in refused
    category.refresh_from_db()
    assert category.alias_list == ["黄河流域生态保护类", "黄河生态"]
    health = ledger_world["health"]
    level = client.post(
        reverse("admin:projects_level_change", args=[ledger_world["municipal"].pk]),
        {"name": "市级", "code": "municipal", "sort_order": 1, "aliases": "市卫体局"},
    )
    assert level.status_code == 302  # levels and departments are different dictionaries
    department_url = reverse("admin:accounts_department_change", args=[ledger_world["other_department"].pk])
    refused = client.post(
        department_url,
        {
            "name": "侯马市住房和城乡建设管理局",
            "short_name": "住建局",
            "kind": "government",
            "sort_order": 100,
            "aliases": "市卫体局",
        },
    ).content.decode()
    assert f"别名“市卫体局”已是“{health.name}”的名称或别名" in refused


def test_a_category_alias_is_matched_by_the_importer(tmp_path, ledger_world):
    water = ledger_world["water"]
    water.aliases = "黄河流域生态保护类"
    water.save()
    rows = [[*HEADER[:3], "总投资", "计划年度"], [1, "甲项目", "“黄河流域生态保护”类", 100, 2025]]

    import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert Project.objects.get(name="甲项目").category == water


def test_the_api_shows_the_aliases(api_login, users, ledger_world):
    water = ledger_world["water"]
    water.aliases = "黄河生态类"
    water.save()
    api = api_login(users[Role.LEADER])

    departments = {d["name"]: d for d in api.get(reverse("department-list")).json()}
    categories = {c["name"]: c for c in api.get(reverse("category-list")).json()}

    assert departments["侯马市卫生健康和体育局"]["aliases"] == ["市卫体局", "市卫健体育局"]
    assert departments["侯马市发展和改革局"]["aliases"] == []
    assert categories[water.name]["aliases"] == ["黄河生态类"]


def test_searching_a_department_alias_finds_its_projects(login, api_login, users, ledger_world):
    health = ledger_world["health"]
    ours = ProjectFactory(name="市人民医院门诊楼", responsible_department=health, category=ledger_world["infra"])
    ProjectFactory(name="汾河大桥", responsible_department=ledger_world["other_department"])
    named = ProjectFactory(name="市卫体局办公楼维修", responsible_department=ledger_world["department"])

    page = login(users[Role.OFFICE]).get(reverse("projects:list"), {"q": "市衛體局"}).content.decode()
    api = api_login(users[Role.OFFICE]).get(reverse("project-list"), {"q": "市卫体局"}).json()

    assert ours.name in page and named.name in page and "汾河大桥" not in page
    names = {row["name"] for row in (api["results"] if isinstance(api, dict) else api)}
    assert names == {ours.name, named.name}
