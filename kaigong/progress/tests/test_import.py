"""The import of a month's progress sheet as county offices fill it: the dry run, row numbers, all or nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import include, path
from openpyxl import Workbook, load_workbook

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.progress import importer, services, tasks
from kaigong.progress.choices import ImportStatus, ProgressEvent, ReportStatus
from kaigong.progress.models import Problem, ProgressImport, ProgressReport
from kaigong.progress.tests.factories import building_project
from kaigong.projects.choices import Stage


# Until kaigong/urls.py includes the import's pages and API, the tests mount them as the site will: the pages under
# progress/import/ in the progress namespace, the API under /api/progress/imports/.
def _urlpatterns():
    from kaigong import urls as root
    from kaigong.progress import urls as progress_urls

    pages = [path("import/", include("kaigong.progress.import_urls")), *progress_urls.urlpatterns]
    return [
        path("progress/", include((pages, "progress"))),
        path("api/progress/imports/", include("kaigong.progress.api.import_urls")),
        *[p for p in root.urlpatterns if str(p.pattern) != "progress/"],
    ]


urlpatterns = _urlpatterns()
WITH_IMPORT_URLS = override_settings(ROOT_URLCONF=__name__)
OCTOBER = dt.date(2024, 10, 1)
TODAY = dt.date(2024, 10, 20)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def office_sheet(rows, *, title="侯马市2024年重点项目1–10月进展情况表", unit_header="(亿元)", extra_header=None):
    """A sheet the way a county office types it: a title merged across, a unit note, a two-row header with 投资完成情况
    merged over its columns and the other headers merged down, traditional characters in one header, a 备注 column.
    ``rows``: lists of cells from 序号 on: 序号, 项目名称, 项目代码, 本月, 1–10月累计, 完成率, 形象进度, 阶段,
    问题, 纳统, 备注."""
    wb = Workbook()
    ws = wb.active
    ws.title = "10月进展"
    ws.append([title])
    ws.merge_cells("A1:K1")
    ws.append(["填报单位:侯马市发展和改革局"])
    headers_top = [
        "序号",
        "项目名称",
        "项目代码",
        f"投资完成情况{unit_header}",
        None,
        None,
        "形象進度",
        "形象进度阶段",
        "存在问题及需协调事项",
        "是否入库纳统",
        "备注",
    ]
    headers_bottom = [None, None, None, "本月完成投資", "1-10月累计完成投资", "完成率", None, None, None, None, None]
    if extra_header:
        headers_top[10] = extra_header
    ws.append(headers_top)
    ws.append(headers_bottom)
    for column in "ABCGHIJK":
        ws.merge_cells(f"{column}3:{column}4")
    ws.merge_cells("D3:F3")
    for row in rows:
        ws.append(row)
    return wb


def sheet_file(tmp_path, wb, name="progress.xlsx"):
    path = tmp_path / name
    wb.save(path)
    return path


def check(path, actor, *, month=OCTOBER, reason=""):
    sheet = importer.read_progress_file(path)
    return importer.ProgressChecker(actor=actor, month=month, correction_reason=reason, today=TODAY).check(sheet)


@pytest.fixture
def projects(users, department, organization, other_organization):
    return {
        "steel": building_project(name="侯马市特钢技改项目", responsible_department=department, owner=organization),
        "road": building_project(name="侯马市滨河东路改造工程", responsible_department=department, owner=organization),
        "park": building_project(name="侯马市物流园区建设项目", owner=other_organization),
    }


def report(project, month, amount, actor):
    return services.submit_report(
        project=project, month=month, data={"monthly_investment": Decimal(amount)}, actor=actor, today=TODAY
    )


def rows_for(projects, *, steel_ytd="0.05"):
    """Rows: a section row, two projects, a subtotal; figures in 亿元 as the header says, typed as offices type them."""
    steel, road = projects["steel"], projects["road"]
    return [
        ["一、产业类项目", None, None, None, None, None, None, None, None, None, None],
        [
            "１",
            steel.name,
            steel.project_code,
            "０.０５",
            steel_ytd,
            "4.2%",
            "主体施工",
            "主体开工",
            "1.用地指标未落实；2.电力增容待批复",
            "是",
            "联系人张三",
        ],
        ["2", road.name, None, 0.012, 0.012, 0.01, "-路基施工", None, "无", "否", None],
        ["小计", None, None, 0.062, None, None, None, None, None, None, None],
    ]


def upload(path, name="progress.xlsx"):
    return SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX)


def checked(path, user, *, month=OCTOBER, reason=""):
    """An upload stored and checked by the worker (the tests' tasks run at once)."""
    record = importer.create_progress_import(upload=upload(path), month=month, user=user, correction_reason=reason)
    return tasks.start_check(record)


# --- the sheet as offices type it ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dry_run_lists_what_would_be_written_and_writes_nothing(tmp_path, users, projects):
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))
    record = checked(path, users[Role.OFFICE])

    assert record.status == ImportStatus.CHECKED and record.problems == []
    rows = {row["row"]: row for row in record.preview["rows"]}
    # The section row (5) and the 小计 row (8) are not projects; figures typed in 亿元, full width, as text.
    assert set(rows) == {6, 7}
    assert rows[6]["project_id"] == projects["steel"].pk and rows[6]["monthly_investment"] == "500.00"
    assert rows[6]["problems"] == ["用地指标未落实", "电力增容待批复"] and rows[6]["visible_stage"] == "主体开工"
    assert rows[7]["project_id"] == projects["road"].pk  # no code: matched by its name
    assert rows[7]["monthly_investment"] == "120.00" and rows[7]["problems"] == []
    # Text starting as a formula would is imported as the text it is, and said.
    assert rows[7]["visible_progress"] == "-路基施工"
    assert [(w["row"], w["letter"]) for w in record.preview["warnings"]] == [(7, "G")]
    assert [c["header"] for c in record.preview["ignored_columns"]] == ["备注"]
    assert [c["header"] for c in record.preview["computed_columns"]] == ["完成率"]
    assert record.preview["counts"] == {"new": 2, "resubmit": 0, "correct": 0}
    assert not ProgressReport.objects.exists() and not Problem.objects.exists()


@pytest.mark.django_db
def test_a_confirmed_import_writes_every_report_with_computed_cumulatives_and_audits_it(tmp_path, users, projects):
    office = users[Role.OFFICE]
    report(projects["steel"], dt.date(2024, 9, 1), "100", office)
    # The office typed 1–10月 = 0.05 亿元 (500 万元), but with September's 100 万元 the reports make it 600 万元.
    path = sheet_file(tmp_path, office_sheet(rows_for(projects, steel_ytd="0.05")))
    record = checked(path, office)
    (warning,) = [w for w in record.preview["warnings"] if w["row"] == 6]
    assert warning["letter"] == "E" and "500万元" in warning["message"] and "600万元" in warning["message"]
    assert record.problems == []

    record = tasks.start_import(record, actor=office)

    assert record.status == ImportStatus.DONE and (record.created_count, record.updated_count) == (2, 0)
    steel = ProgressReport.objects.get(project=projects["steel"], month=OCTOBER)
    assert steel.monthly_investment == Decimal("500") and steel.year_to_date == Decimal("600")
    assert steel.status == ReportStatus.SUBMITTED and steel.visible_progress == "主体施工"
    assert steel.registered_in_statistics is True
    assert sorted(steel.problems.values_list("description", flat=True)) == ["用地指标未落实", "电力增容待批复"]
    road = ProgressReport.objects.get(project=projects["road"], month=OCTOBER)
    assert road.year_to_date == Decimal("120") and road.registered_in_statistics is False
    assert AuditEvent.objects.filter(code=ProgressEvent.SUBMITTED).count() == 3  # September's and the two rows
    event = AuditEvent.objects.get(code=ProgressEvent.IMPORTED)
    assert event.note == "progress.xlsx" and event.changes["rows"] == 2


@pytest.mark.django_db
def test_a_unit_note_and_a_one_row_header_are_read_too(tmp_path, users, projects):
    wb = Workbook()
    ws = wb.active
    ws.append(["侯马市2024年重点项目1-10月进展情况表"])
    ws.append(["单位:万元"])
    ws.append(["序号", "项目名称", "本月完成投资", "1-10月累计完成投资", "形象进度", "存在問題及需協調事項", None])
    ws.append([1, projects["steel"].name, "  300 ", "300", "基础施工", "(1)资金到位慢\n(2)施工许可待办", "张三"])
    ws.append(["合 计", None, 300, 300, None, None, None])
    record = checked(sheet_file(tmp_path, wb), users[Role.OFFICE])
    assert record.problems == [] and record.preview["warnings"] == []
    (row,) = record.preview["rows"]
    assert row["monthly_investment"] == "300.00" and row["problems"] == ["资金到位慢", "施工许可待办"]
    assert [c["label"] for c in record.preview["ignored_columns"]] == ["列G(无列名)"]


@pytest.mark.django_db
def test_a_csv_saved_from_excel_in_gbk_is_read(tmp_path, users, projects):
    path = tmp_path / "progress.csv"
    text = "侯马市2024年重点项目1-10月进展情况表\n序号,项目名称,项目代码,本月完成投资(万元),形象进度\n"
    text += f'1,{projects["road"].name},{projects["road"].project_code},"1,200",路面摊铺\n'
    path.write_bytes(text.encode("gb18030"))
    record = importer.create_progress_import(
        upload=SimpleUploadedFile("progress.csv", path.read_bytes()), month=OCTOBER, user=users[Role.OFFICE]
    )
    record = tasks.start_check(record)
    assert record.problems == [] and record.preview["rows"][0]["monthly_investment"] == "1200.00"


@pytest.mark.django_db
def test_an_error_anywhere_writes_nothing_and_names_its_row_and_column(tmp_path, users, projects):
    rows = rows_for(projects)
    rows[2][3] = "一百万"  # row 7: 本月完成投资 not a number
    rows.append(["3", "侯马市不存在的项目", None, 0.01, None, None, None, None, None, "是", None])  # row 9
    rows.append(["4", projects["steel"].name, None, 0.01, None, None, None, "大体完工", None, "也许", None])  # row 10
    path = sheet_file(tmp_path, office_sheet(rows))
    record = checked(path, users[Role.OFFICE])

    problems = {(p["row"], p["letter"]): p["message"] for p in record.problems}
    assert "金额" in problems[(7, "D")]
    assert "侯马市不存在的项目" in problems[(9, "B")]
    assert "大体完工" in problems[(10, "H")] and (10, "J") in problems
    assert record.status == ImportStatus.CHECKED
    with pytest.raises(importer.ImportStateError):
        tasks.start_import(record, actor=users[Role.OFFICE])
    assert not ProgressReport.objects.exists()


@pytest.mark.django_db
def test_a_row_the_services_refuse_while_writing_rolls_back_every_row(tmp_path, users, projects, monkeypatch):
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))
    record = checked(path, users[Role.OFFICE])
    submit = services.submit_report
    calls = []

    def second_row_refused(**kwargs):
        calls.append(kwargs["project"])
        if len(calls) == 2:
            raise services.ReportError("不能报送未来月份的进度")
        return submit(**kwargs)

    monkeypatch.setattr(services, "submit_report", second_row_refused)
    record = tasks.start_import(record, actor=users[Role.OFFICE])

    assert record.status == ImportStatus.FAILED and "第7行" in record.message
    assert not ProgressReport.objects.exists() and not AuditEvent.objects.filter(code=ProgressEvent.IMPORTED).exists()


@pytest.mark.django_db
def test_a_name_shared_by_two_projects_a_project_out_of_scope_and_a_repeated_row_are_errors(
    tmp_path, users, projects, department
):
    twin = building_project(name=projects["road"].name, responsible_department=department)
    planned = building_project(name="侯马市规划中的项目", stage=Stage.PLANNING)
    rows = rows_for(projects)
    rows.append(["3", planned.name, planned.project_code, 0.01, None, None, None, None, None, None, None])  # row 9
    rows.append(["4", None, projects["steel"].project_code, 0.01, None, None, None, None, None, None, None])  # 10
    record = checked(sheet_file(tmp_path, office_sheet(rows)), users[Role.OFFICE])

    problems = {(p["row"], p["letter"]): p["message"] for p in record.problems}
    assert "2个项目" in problems[(7, "B")] and twin.project_code not in problems[(7, "B")]
    assert "不在月报范围内" in problems[(9, "C")]
    assert "第6行" in problems[(10, "C")]
    assert len(problems) == 3


@pytest.mark.django_db
def test_a_sheet_for_another_month_is_refused(tmp_path, users, projects):
    path = sheet_file(tmp_path, office_sheet(rows_for(projects), title="侯马市2024年重点项目1–9月进展情况表"))
    record = checked(path, users[Role.OFFICE])
    (problem,) = record.problems
    assert problem["row"] == 1 and "2024年9月" in problem["message"] and "2024年10月" in problem["message"]


@pytest.mark.django_db
def test_an_accepted_report_is_corrected_only_when_the_upload_says_so(tmp_path, users, projects):
    office = users[Role.OFFICE]
    accepted = services.accept_report(report=report(projects["steel"], OCTOBER, "400", office), actor=office)
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))

    refused = checked(path, office)
    ((problem_row, message),) = [(p["row"], p["message"]) for p in refused.problems]
    assert problem_row == 6 and "已审核锁定" in message

    record = tasks.start_import(checked(path, office, reason="统计局核减后更正"), actor=office)
    assert record.status == ImportStatus.DONE and (record.created_count, record.updated_count) == (1, 1)
    accepted.refresh_from_db()
    assert accepted.status == ReportStatus.SUPERSEDED
    current = ProgressReport.objects.get(project=projects["steel"], month=OCTOBER, version=2)
    assert current.monthly_investment == Decimal("500") and current.correction_reason == "统计局核减后更正"
    assert AuditEvent.objects.filter(code=ProgressEvent.CORRECTED, note="统计局核减后更正").exists()


@pytest.mark.django_db
def test_importing_the_same_sheet_again_edits_the_reports_without_repeating_their_problems(tmp_path, users, projects):
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))
    tasks.start_import(checked(path, users[Role.OFFICE]), actor=users[Role.OFFICE])
    again = tasks.start_import(checked(path, users[Role.OFFICE]), actor=users[Role.OFFICE])
    assert again.status == ImportStatus.DONE and (again.created_count, again.updated_count) == (0, 2)
    assert Problem.objects.filter(project=projects["steel"]).count() == 2
    assert AuditEvent.objects.filter(code=ProgressEvent.RESUBMITTED).count() == 2


@pytest.mark.django_db
def test_an_enterprise_imports_only_its_projects_rows_and_learns_nothing_of_others(tmp_path, users, projects):
    park = projects["park"]  # another owner's project
    rows = rows_for(projects)
    rows.append(["3", None, park.project_code, 0.01, None, None, None, None, None, None, None])  # row 9: by code
    rows.append(["4", park.name, None, 0.01, None, None, None, None, None, None, None])  # row 10: by name
    enterprise = users[Role.ENTERPRISE]
    record = checked(sheet_file(tmp_path, office_sheet(rows)), enterprise)

    problems = {(p["row"], p["letter"]): p for p in record.problems}
    assert set(problems) == {(9, "C"), (10, "B")}
    by_code = problems[(9, "C")]
    assert "未找到" in by_code["message"] and park.name not in by_code["message"] + by_code["message_en"]
    assert "未找到" in problems[(10, "B")]["message"]
    assert not ProgressReport.objects.exists()

    # Its own rows alone go in, written as the enterprise.
    own = checked(sheet_file(tmp_path, office_sheet(rows_for(projects)), name="own.xlsx"), enterprise)
    done = tasks.start_import(own, actor=enterprise)
    assert done.status == ImportStatus.DONE
    assert set(ProgressReport.objects.values_list("submitted_by", flat=True)) == {enterprise.pk}


@pytest.mark.django_db
def test_a_department_sees_only_its_own_uploads_and_a_leader_may_not_upload(tmp_path, users, projects):
    record = checked(sheet_file(tmp_path, office_sheet(rows_for(projects))), users[Role.OFFICE])
    assert not importer.visible_imports(users[Role.DEPARTMENT]).filter(pk=record.pk).exists()
    with pytest.raises(importer.PermissionDeniedError):
        importer.create_progress_import(
            upload=upload(tmp_path / "progress.xlsx"), month=OCTOBER, user=users[Role.LEADER]
        )


@pytest.mark.django_db
def test_a_file_that_is_not_a_sheet_fails_with_the_reason(tmp_path, users):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    record = checked(path, users[Role.OFFICE])
    assert record.status == ImportStatus.FAILED and record.message
    assert not ProgressReport.objects.exists()


# --- the pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_pages_upload_check_show_and_confirm_a_sheet(tmp_path, users, projects, login):
    client = login(users[Role.DEPARTMENT])
    page = client.get("/progress/import/")
    assert page.status_code == 200 and "导入月报表" in page.content.decode()
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))
    response = client.post("/progress/import/", {"month": "2024-10", "file": upload(path)})
    assert response.status_code == 302
    record = ProgressImport.objects.get()
    assert response["Location"] == f"/progress/import/{record.pk}/" and record.status == ImportStatus.CHECKED

    detail = client.get(response["Location"]).content.decode()
    assert projects["steel"].name in detail and "备注" in detail and 'data-testid="progress-import-confirm"' in detail
    assert not ProgressReport.objects.exists()

    client.post(f"/progress/import/{record.pk}/confirm/")
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE and ProgressReport.objects.count() == 2
    assert "导入完成" in client.get(f"/progress/import/{record.pk}/").content.decode()


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_page_lists_the_problems_and_offers_no_confirmation(tmp_path, users, projects, login):
    rows = rows_for(projects)
    rows[1][3] = "abc"
    client = login(users[Role.OFFICE])
    client.post("/progress/import/", {"month": "2024-10", "file": upload(sheet_file(tmp_path, office_sheet(rows)))})
    record = ProgressImport.objects.get()
    detail = client.get(f"/progress/import/{record.pk}/").content.decode()
    assert 'data-testid="progress-import-problems"' in detail and "progress-import-confirm" not in detail
    client.post(f"/progress/import/{record.pk}/confirm/")
    assert not ProgressReport.objects.exists()


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_a_correction_needs_its_reason_on_the_form(tmp_path, users, projects, login):
    client = login(users[Role.OFFICE])
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))
    response = client.post("/progress/import/", {"month": "2024-10", "file": upload(path), "correct": "on"})
    assert response.status_code == 400 and not ProgressImport.objects.exists()


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_pages_are_refused_to_a_leader_and_others_uploads_are_not_found(tmp_path, users, projects, login):
    record = checked(sheet_file(tmp_path, office_sheet(rows_for(projects))), users[Role.OFFICE])
    leader = login(users[Role.LEADER])
    assert leader.get("/progress/import/").status_code == 403
    assert leader.get("/progress/import/template.xlsx").status_code == 403
    enterprise = login(users[Role.ENTERPRISE])
    assert enterprise.get(f"/progress/import/{record.pk}/").status_code == 404
    assert enterprise.post(f"/progress/import/{record.pk}/confirm/").status_code == 404
    assert not ProgressReport.objects.exists()


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_month_sheet_lists_the_projects_the_user_reports_for_and_reads_back(tmp_path, users, projects, login):
    enterprise = users[Role.ENTERPRISE]
    response = login(enterprise).get("/progress/import/template.xlsx?month=2024-10")
    assert response.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    ws = load_workbook(path).active
    assert ws["A1"].value == "侯马市2024年重点项目1–10月进展情况表"
    names = [ws.cell(row=r, column=2).value for r in range(5, ws.max_row + 1)]
    assert sorted(names) == sorted([projects["steel"].name, projects["road"].name])  # not the other owner's park

    for row in range(5, ws.max_row + 1):  # the office fills it in
        ws.cell(row=row, column=4, value=10)
    ws.parent.save(path)
    record = checked(path, enterprise)
    assert record.problems == [] and record.preview["counts"]["new"] == 2


# --- the API --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_api_uploads_follows_and_confirms_a_sheet(tmp_path, users, projects, api_login):
    api = api_login(users[Role.OFFICE])
    path = sheet_file(tmp_path, office_sheet(rows_for(projects)))
    response = api.post("/api/progress/imports/", {"month": "2024-10", "file": upload(path)}, format="multipart")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "checked" and body["can_confirm"] and body["month"] == "2024-10"
    assert [row["row"] for row in body["preview"]["rows"]] == [6, 7]
    assert not ProgressReport.objects.exists()

    confirmed = api.post(f"/api/progress/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "done"
    assert ProgressReport.objects.count() == 2
    again = api.post(f"/api/progress/imports/{body['id']}/confirm/")
    assert again.status_code == 409
    assert api.get("/api/progress/imports/").json()[0]["id"] == body["id"]


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_api_answers_the_problems_with_rows_and_columns(tmp_path, users, projects, api_login):
    rows = rows_for(projects)
    rows[2][2] = "2099-999999-99-99-999999"
    api = api_login(users[Role.DEPARTMENT])
    path = sheet_file(tmp_path, office_sheet(rows))
    body = api.post("/api/progress/imports/", {"month": "2024-10", "file": upload(path)}, format="multipart").json()
    assert [(p["row"], p["letter"], p["column"]) for p in body["problems"]] == [(7, "C", "项目代码")]
    assert body["can_confirm"] is False


@pytest.mark.django_db
@WITH_IMPORT_URLS
def test_the_api_refuses_a_leader_and_hides_others_uploads(tmp_path, users, projects, api_login):
    record = checked(sheet_file(tmp_path, office_sheet(rows_for(projects))), users[Role.OFFICE])
    path = tmp_path / "progress.xlsx"
    leader = api_login(users[Role.LEADER])
    refused = leader.post("/api/progress/imports/", {"month": "2024-10", "file": upload(path)}, format="multipart")
    assert refused.status_code == 403
    assert leader.get("/api/progress/imports/template/").status_code == 403
    enterprise = api_login(users[Role.ENTERPRISE])
    assert enterprise.get(f"/api/progress/imports/{record.pk}/").status_code == 404
    assert enterprise.post(f"/api/progress/imports/{record.pk}/confirm/").status_code == 404
    assert not ProgressReport.objects.exists()
