"""A project's progress pages through HTTP: the progress tab (light, measures, curve, reports with versions), the report
form (报送, 重新报送, 更正), the review actions, the photos (stored, served only to those who see the project)."""

import datetime as dt
import io
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import UserFactory
from kaigong.audit.models import AuditEvent
from kaigong.progress import services
from kaigong.progress.choices import ProgressEvent, ReportStatus, WarningLevel
from kaigong.progress.models import Problem, ProgressReport, ProjectProgress, ReportPhoto
from kaigong.progress.photos import process_photo
from kaigong.progress.tests.factories import building_project

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 10, 22)  # inside October's reporting window (20th to 25th)
OCTOBER = dt.date(2024, 10, 1)
ROLES = ["admin", "office", "dept", "other_dept", "leader", "ent", "other_ent"]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The pages and services read today's date from django.utils.timezone.localdate: fixed to TODAY."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def actors(users, other_department, other_organization):
    return {
        "admin": users[Role.ADMIN],
        "office": users[Role.OFFICE],
        "dept": users[Role.DEPARTMENT],
        "other_dept": UserFactory(role=Role.DEPARTMENT, department=other_department),
        "leader": users[Role.LEADER],
        "ent": users[Role.ENTERPRISE],
        "other_ent": UserFactory(role=Role.ENTERPRISE, organization=other_organization),
    }


@pytest.fixture
def project(department, organization):
    return building_project(
        responsible_department=department, owner=organization, annual="1200", total="10000", township="浍滨街道"
    )


def photo_bytes(*, size=(640, 480), color=(90, 120, 160)) -> bytes:
    """A JPEG as a phone writes it: shot in 侯马 (35°37'8.4"N 111°22'19.2"E) on 2024-10-18."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Huawei"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2024:10:18 09:30:00"}
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (IFDRational(35, 1), IFDRational(37, 1), IFDRational(84, 10)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (IFDRational(111, 1), IFDRational(22, 1), IFDRational(192, 10)),
    }
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def upload(name="工地.jpg", content=None):
    return SimpleUploadedFile(name, content if content is not None else photo_bytes(), content_type="image/jpeg")


def submit(project, month, amount, actor, **extra):
    return services.submit_report(
        project=project,
        month=month,
        data={"monthly_investment": Decimal(amount), **extra},
        actor=actor,
        today=TODAY,
    )


def report_url(project, month=OCTOBER):
    return reverse("progress:report", args=[project.pk, f"{month:%Y-%m}"])


def progress_url(project, **query):
    url = reverse("progress:project", args=[project.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- who sees what ---------------------------------------------------------------------------------------------


PAGE_STATUS = {"admin": 200, "office": 200, "dept": 200, "other_dept": 404, "leader": 200, "ent": 200, "other_ent": 404}
REPORT_FORM_STATUS = {**PAGE_STATUS, "leader": 403}


@pytest.mark.parametrize("role", ROLES)
def test_progress_page_and_report_form_by_role(role, actors, project, login):
    client = login(actors[role])
    page = client.get(progress_url(project))
    assert page.status_code == PAGE_STATUS[role]
    form = client.get(report_url(project))
    assert form.status_code == REPORT_FORM_STATUS[role]
    if page.status_code == 200:
        # The button to report is shown to those who may report, and only to them.
        assert (b'data-testid="report-button"' in page.content) == (REPORT_FORM_STATUS[role] == 200)


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_report_by_role(role, actors, project, login):
    response = login(actors[role]).post(report_url(project), {"monthly_investment": "100"})
    expected = {"admin": 302, "office": 302, "dept": 302, "ent": 302, "leader": 403}.get(role, 404)
    assert response.status_code == expected
    assert ProgressReport.objects.filter(project=project).exists() == (expected == 302)


def test_the_report_form_answers_404_for_a_future_or_malformed_month(actors, project, login):
    client = login(actors["office"])
    assert client.get(report_url(project, dt.date(2024, 11, 1))).status_code == 404
    assert client.get(f"/progress/projects/{project.pk}/report/2024-13/").status_code == 404


def test_the_report_link_goes_to_the_latest_month_open(actors, project, login):
    client = login(actors["ent"])
    assert client.get(reverse("progress:report-latest", args=[project.pk])).url == report_url(project)
    chosen = client.get(reverse("progress:report-latest", args=[project.pk]) + "?month=2024-07")
    assert chosen.url == report_url(project, dt.date(2024, 7, 1))
    page = client.get(report_url(project))
    assert "2024年10月" in text_of(page) and 'value="2024-10" selected' in page.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_review_actions_by_role(role, actors, project, login):
    accept = submit(project, dt.date(2024, 8, 1), "100", actors["ent"])
    give_back = submit(project, dt.date(2024, 9, 1), "100", actors["ent"])
    client = login(actors[role])
    accepted = client.post(reverse("progress:report-accept", args=[accept.pk]))
    returned = client.post(reverse("progress:report-return", args=[give_back.pk]), {"reason": "金额与形象进度不符"})
    expected = {"admin": 302, "office": 302, "dept": 403, "leader": 403, "ent": 403}.get(role, 404)
    assert (accepted.status_code, returned.status_code) == (expected, expected)
    accept.refresh_from_db()
    give_back.refresh_from_db()
    assert (accept.status == ReportStatus.ACCEPTED) == (expected == 302)
    assert (give_back.status == ReportStatus.RETURNED) == (expected == 302)


def test_a_department_reviews_where_the_settings_say_so(actors, project, login):
    services.update_settings(data={"reviewer": "department"}, actor=actors["office"])
    row = submit(project, dt.date(2024, 9, 1), "100", actors["ent"])
    assert login(actors["other_dept"]).post(reverse("progress:report-accept", args=[row.pk])).status_code == 404
    response = login(actors["dept"]).post(reverse("progress:report-accept", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == ReportStatus.ACCEPTED


def test_return_needs_a_reason_and_goes_back_with_a_message(actors, project, login):
    row = submit(project, dt.date(2024, 9, 1), "100", actors["ent"])
    client = login(actors["office"])
    response = client.post(
        reverse("progress:report-return", args=[row.pk]), {"reason": " ", "next": progress_url(project)}, follow=True
    )
    assert response.redirect_chain[-1][0] == progress_url(project)
    assert "退回月报须说明原因" in messages_of(response)
    row.refresh_from_db()
    assert row.status == ReportStatus.SUBMITTED
    # A "next" to another site is not followed.
    response = client.post(
        reverse("progress:report-return", args=[row.pk]), {"reason": "请补充照片", "next": "https://evil.example/"}
    )
    assert response.url == progress_url(project)


@pytest.mark.parametrize("role", ROLES)
def test_photo_files_and_their_removal_by_role(role, actors, project, login, settings):
    row = services.submit_report(
        project=project,
        month=OCTOBER,
        data={"monthly_investment": Decimal("100")},
        photos=[process_photo(photo_bytes(), filename="工地.jpg")],
        actor=actors["ent"],
        today=TODAY,
    )
    photo = row.photos.get()
    client = login(actors[role])
    image = client.get(reverse("progress:photo-image", args=[photo.pk]))
    thumbnail = client.get(reverse("progress:photo-thumbnail", args=[photo.pk]))
    assert image.status_code == thumbnail.status_code == PAGE_STATUS[role]
    if PAGE_STATUS[role] == 200:
        assert image["Content-Type"] == thumbnail["Content-Type"] == "image/jpeg"
        assert "private" in image["Cache-Control"] and "private" in thumbnail["Cache-Control"]
        with photo.image.open("rb") as stored:
            assert b"".join(image.streaming_content) == stored.read()
        with Image.open(io.BytesIO(b"".join(thumbnail.streaming_content))) as small:
            assert max(small.size) <= 360
    deleted = client.post(reverse("progress:photo-delete", args=[photo.pk]))
    expected = {"admin": 302, "office": 302, "dept": 302, "ent": 302, "leader": 403}.get(role, 404)
    assert deleted.status_code == expected
    assert ReportPhoto.objects.filter(pk=photo.pk).exists() == (expected != 302)


def test_photo_files_refuse_anonymous_visitors(actors, project, client):
    row = services.submit_report(
        project=project,
        month=OCTOBER,
        data={"monthly_investment": Decimal("100")},
        photos=[process_photo(photo_bytes(), filename="工地.jpg")],
        actor=actors["ent"],
        today=TODAY,
    )
    response = client.get(reverse("progress:photo-image", args=[row.photos.get().pk]))
    assert response.status_code == 302 and "login" in response.url


def test_a_photo_of_an_accepted_report_is_not_removed(actors, project, login):
    row = services.submit_report(
        project=project,
        month=OCTOBER,
        data={"monthly_investment": Decimal("100")},
        photos=[process_photo(photo_bytes(), filename="工地.jpg")],
        actor=actors["ent"],
        today=TODAY,
    )
    services.accept_report(report=row, actor=actors["office"])
    photo = row.photos.get()
    response = login(actors["ent"]).post(reverse("progress:photo-delete", args=[photo.pk]), follow=True)
    assert "该月报已审核锁定,如需修改请提交更正并说明原因" in messages_of(response)
    assert ReportPhoto.objects.filter(pk=photo.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_opening_balance_by_role(role, actors, project, login):
    response = login(actors[role]).post(
        reverse("progress:opening", args=[project.pk]), {"opening_cumulative": "5,000", "opening_month": "2023-12"}
    )
    expected = {"admin": 302, "office": 302, "dept": 403, "leader": 403, "ent": 403}.get(role, 404)
    assert response.status_code == expected
    state = ProjectProgress.objects.filter(project=project).first()
    assert (state is not None and state.opening_cumulative == Decimal("5000")) == (expected == 302)


def test_opening_balance_form_keeps_the_input_and_shows_errors(actors, project, login):
    client = login(actors["office"])
    response = client.post(
        reverse("progress:opening", args=[project.pk]), {"opening_cumulative": "五千", "opening_month": "2023-12"}
    )
    assert response.status_code == 200
    assert response.context["opening_form"].errors["opening_cumulative"] == ["金额格式不正确"]
    submit(project, dt.date(2024, 1, 1), "100", actors["ent"])
    client.post(reverse("progress:opening", args=[project.pk]), {"opening_cumulative": "0.5亿", "opening_month": ""})
    # 0.5亿元 = 5000万元 before the first report: January's 开工以来累计 follows.
    assert ProgressReport.objects.get(project=project).since_start == Decimal("5100")


# --- the report form -------------------------------------------------------------------------------------------


def test_a_submission_with_photos_stores_them_and_shows_the_cumulatives(actors, project, login, settings):
    for month in range(1, 10):
        submit(project, dt.date(2024, month, 1), "100", actors["ent"])
    client = login(actors["ent"])
    response = client.post(
        report_url(project),
        {
            "monthly_investment": "0.03亿元",
            "visible_progress": "主体结构封顶",
            "visible_stage": "基本过半",
            "registered_in_statistics": "on",
            "statistics_registered_on": "2024-01-15",
            "problem_kind": ["land", "funds", "other"],
            "problem_text": ["二期用地指标未落实", "", "   "],
            "photos": [upload("东区.jpg"), upload("西区.jpg", photo_bytes(color=(10, 200, 30)))],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == report_url(project)
    row = ProgressReport.objects.get(project=project, month=OCTOBER)
    assert (row.monthly_investment, row.year_to_date, row.since_start) == (
        Decimal("300"),
        Decimal("1200"),
        Decimal("1200"),
    )
    assert (row.visible_stage, row.registered_in_statistics, row.is_late) == ("基本过半", True, False)
    assert list(Problem.objects.filter(report=row).values_list("kind", "description")) == [
        ("land", "二期用地指标未落实")
    ]
    photos = list(row.photos.order_by("original_name"))
    assert [p.original_name for p in photos] == ["东区.jpg", "西区.jpg"]
    for photo in photos:
        assert photo.image.storage.exists(photo.image.name) and photo.thumbnail.storage.exists(photo.thumbnail.name)
        assert str(settings.MEDIA_ROOT) in photo.image.path
        assert photo.taken_at is not None and round(photo.latitude, 2) == Decimal("35.62")
        assert round(photo.longitude, 2) == Decimal("111.37")
    assert "2024年10月月报已报送。1–10月累计完成投资 1,200 万元,开工以来累计 1,200 万元。" in messages_of(response)
    page = text_of(response)
    assert "1–10月累计 1,200万元" in page and "开工以来累计 1,200万元" in page
    assert "逾期" not in " ".join(messages_of(response))
    # The progress page shows the thumbnails, each opening its image.
    progress = login(actors["leader"]).get(progress_url(project)).content.decode()
    for photo in photos:
        assert reverse("progress:photo-thumbnail", args=[photo.pk]) in progress
        assert f'href="{reverse("progress:photo-image", args=[photo.pk])}"' in progress


def test_amounts_are_read_the_way_people_type_them(actors, project, login):
    client = login(actors["dept"])
    client.post(report_url(project), {"monthly_investment": "１，２００.５"})
    assert ProgressReport.objects.get(project=project).monthly_investment == Decimal("1200.5")
    response = client.post(report_url(project, dt.date(2024, 9, 1)), {"monthly_investment": "一千二"})
    assert response.status_code == 200
    assert field_errors(response, "monthly_investment") == ["金额格式不正确"]
    response = client.post(report_url(project, dt.date(2024, 9, 1)), {"monthly_investment": ""})
    assert field_errors(response, "monthly_investment") and 'value=""' in response.content.decode()
    assert ProgressReport.objects.filter(project=project).count() == 1


def test_a_bad_photo_refuses_the_whole_submission(actors, project, login, settings):
    response = login(actors["ent"]).post(
        report_url(project),
        {
            "monthly_investment": "300",
            "problem_kind": ["land"],
            "problem_text": ["用地未落实"],
            "photos": [upload("好照片.jpg"), upload("合同.jpg", b"%PDF-1.7 not a photo")],
        },
    )
    assert response.status_code == 200
    errors = field_errors(response, "photos")
    assert len(errors) == 1 and "合同.jpg" in errors[0] and "照片格式不支持" in errors[0]
    assert "合同.jpg" in text_of(response)
    assert not ProgressReport.objects.exists() and not ReportPhoto.objects.exists() and not Problem.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    # What was typed is kept.
    assert 'value="用地未落实"' in response.content.decode() and 'value="300"' in response.content.decode()


def test_a_service_refusal_shows_on_its_field(actors, project, login):
    response = login(actors["ent"]).post(report_url(project), {"monthly_investment": "1", "visible_stage": "前期"})
    assert response.status_code == 302  # a stage from the list
    services.update_settings(data={"visible_stages": ["主体开工", "竣工"]}, actor=actors["office"])
    not_started = building_project(
        responsible_department=project.responsible_department, owner=project.owner, started=dt.date(2024, 11, 1)
    )
    response = login(actors["ent"]).post(report_url(not_started), {"monthly_investment": "1"})
    assert response.status_code == 200
    assert "不在月报范围内" in response.context["form"].errors["month"][0]
    assert 'data-testid="month-error"' in response.content.decode()


def test_a_late_submission_says_it_is_late(actors, project, login):
    client = login(actors["ent"])
    page = client.get(report_url(project, dt.date(2024, 9, 1)))
    assert "已于 2024-09-25 截止" in text_of(page)
    response = client.post(report_url(project, dt.date(2024, 9, 1)), {"monthly_investment": "80"}, follow=True)
    assert ProgressReport.objects.get(project=project).is_late
    assert any("逾期报送" in message for message in messages_of(response))
    assert 'data-testid="late"' in response.content.decode()


def test_a_returned_report_is_resubmitted(actors, project, login):
    row = submit(project, OCTOBER, "100", actors["ent"], visible_progress="桩基施工")
    login(actors["office"]).post(reverse("progress:report-return", args=[row.pk]), {"reason": "本月金额偏低,请核实"})
    client = login(actors["ent"])
    page = client.get(report_url(project))
    assert "退回原因:本月金额偏低,请核实" in text_of(page)
    assert 'value="100"' in page.content.decode() and "桩基施工" in page.content.decode()
    response = client.post(report_url(project), {"monthly_investment": "260", "visible_progress": "桩基施工完成"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.version, row.monthly_investment, row.return_reason) == (
        ReportStatus.SUBMITTED,
        1,
        Decimal("260"),
        "",
    )
    assert AuditEvent.objects.filter(code=ProgressEvent.RESUBMITTED, object_id=str(row.pk)).exists()


def test_an_accepted_report_is_corrected_with_a_reason_only(actors, project, login):
    submit(project, dt.date(2024, 9, 1), "100", actors["ent"])
    row = submit(project, OCTOBER, "200", actors["ent"])
    services.accept_report(report=row, actor=actors["office"])
    client = login(actors["ent"])
    page = client.get(report_url(project))
    assert "reason" in page.context["form"].fields and "提交更正" in page.content.decode()

    refused = client.post(report_url(project), {"monthly_investment": "250", "reason": ""})
    assert refused.status_code == 200 and field_errors(refused, "reason")
    assert ProgressReport.objects.filter(project=project, month=OCTOBER).count() == 1

    response = client.post(
        report_url(project),
        {"monthly_investment": "250", "reason": "统计口径调整", "photos": [upload("补拍.jpg")]},
        follow=True,
    )
    new = ProgressReport.objects.get(project=project, month=OCTOBER, status=ReportStatus.SUBMITTED)
    assert (new.version, new.correction_reason, new.year_to_date) == (2, "统计口径调整", Decimal("350"))
    assert new.photos.count() == 1
    assert any("更正已提交" in message for message in messages_of(response))
    row.refresh_from_db()
    assert row.status == ReportStatus.SUPERSEDED
    progress = login(actors["leader"]).get(progress_url(project))
    versions = re.search(r'data-testid="versions">(.*?)</details>', progress.content.decode(), re.S).group(1)
    assert "第2版" in versions and "第1版" in versions and "更正原因:统计口径调整" in unescape(versions)


# --- the progress page -----------------------------------------------------------------------------------------


def test_progress_page_shows_the_light_measures_curve_and_warnings(actors, project, login):
    for month in range(1, 10):
        submit(project, dt.date(2024, month, 1), "100", actors["ent"])
    october = submit(project, OCTOBER, "400", actors["ent"], visible_stage="主体开工")
    services.accept_report(report=october, actor=actors["office"])  # the light is measured on acceptance
    response = login(actors["leader"]).get(progress_url(project))
    page = text_of(response)
    state = ProjectProgress.objects.get(project=project)
    assert state.warning_level == WarningLevel.GREEN
    assert 'data-testid="progress-light"' in response.content.decode() and "测算月份:2024-10" in page
    # 1300 of 1200 planned by October: 108.33% against 83.33% of the year.
    assert "1–10月累计 1,300 万元" in page and "108.33 %" in page and "83.33 %" in page
    assert "超序时进度25.00个百分点" in page
    assert "开工以来累计 1,300 万元" in page
    assert "1–N月累计完成投资 1300.00 万元超过年度计划投资 1200.00 万元,请核实" in page
    chart = json.loads(re.search(r'id="progress-curve-data"[^>]*>(.*?)</script>', response.content.decode()).group(1))
    assert chart["monthly"][:10] == ["100.00"] * 9 + ["400.00"] and chart["monthly"][10:] == [None, None]
    assert chart["cumulative"][9] == "1300.00" and chart["cumulative"][10] is None
    assert chart["planned"][0] == "100.00" and chart["planned"][11] == "1200.00"
    assert "progress/js/curve.js" in response.content.decode() and "<script>" not in response.content.decode()
    reports = re.findall(r'data-month="(\d{4}-\d{2})"', response.content.decode())
    assert reports == [f"2024-{m:02d}" for m in range(10, 0, -1)]  # newest first


def test_progress_page_behind_time_progress_and_a_red_light_with_reasons(actors, project, login):
    for month in range(1, 10):
        submit(project, dt.date(2024, month, 1), "10", actors["ent"])
    services.accept_report(report=submit(project, OCTOBER, "10", actors["ent"]), actor=actors["office"])
    response = login(actors["ent"]).get(progress_url(project))
    page = text_of(response)
    assert "低于序时进度75.00个百分点" in page  # 100 of 1200 = 8.33% against 83.33%
    state = ProjectProgress.objects.get(project=project)
    assert state.warning_level == WarningLevel.RED and state.warning_reasons
    for reason in state.warning_reasons:
        assert reason["label"] in page


def test_progress_page_of_a_project_never_measured(actors, project, login):
    response = login(actors["office"]).get(progress_url(project))
    assert response.status_code == 200
    assert "尚未测算预警" in text_of(response) and "暂无月报" in text_of(response)
    assert 'data-testid="opening"' in response.content.decode()
    assert 'data-testid="opening"' not in login(actors["dept"]).get(progress_url(project)).content.decode()


def test_progress_page_of_another_year(actors, department, organization, login):
    project = building_project(responsible_department=department, owner=organization, started=dt.date(2023, 1, 1))
    submit(project, dt.date(2023, 5, 1), "70", actors["ent"])
    submit(project, dt.date(2024, 2, 1), "30", actors["ent"])
    client = login(actors["office"])
    assert re.findall(r'data-month="([\d-]+)"', client.get(progress_url(project)).content.decode()) == ["2024-02"]
    other = client.get(progress_url(project, year=2023))
    assert re.findall(r'data-month="([\d-]+)"', other.content.decode()) == ["2023-05"]
    assert "1–5月累计 70 万元" in text_of(other)


def test_progress_page_queries_do_not_grow_with_reports(
    actors, department, organization, login, django_assert_max_num_queries
):
    project = building_project(responsible_department=department, owner=organization, started=dt.date(2023, 1, 1))
    photo = process_photo(photo_bytes(size=(64, 48)), filename="现场.jpg")
    for month in range(1, 13):
        row = services.submit_report(
            project=project,
            month=dt.date(2023, month, 1),
            data={"monthly_investment": Decimal("100")},
            problems=[("funds", f"第{month}月资金缺口")],
            photos=[photo],
            actor=actors["ent"],
            today=TODAY,
        )
        if month % 3 == 0:
            services.accept_report(report=row, actor=actors["office"])
            services.correct_report(
                report=row, reason="补报", data={"monthly_investment": Decimal("110")}, actor=actors["ent"]
            )
    client = login(actors["office"])
    with django_assert_max_num_queries(16):
        response = client.get(progress_url(project, year=2023))
    assert response.status_code == 200
    assert len(re.findall(r'data-testid="versions"', response.content.decode())) == 4
    assert len(re.findall(r"data-report=", response.content.decode())) == 12


# --- the project's page ----------------------------------------------------------------------------------------


def test_project_page_links_to_progress_and_shows_light_and_township(actors, project, login):
    client = login(actors["ent"])
    page = client.get(reverse("projects:detail", args=[project.pk]))
    content = page.content.decode()
    assert f'href="{progress_url(project)}"' in content and "月度进度" in content
    assert 'data-testid="progress-light"' not in content  # no ProjectProgress row yet: no light, no error
    assert re.search(r'data-testid="township">\s*浍滨街道', content)
    ProjectProgress.objects.create(project=project, warning_level=WarningLevel.YELLOW)
    content = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-light="yellow"' in content and "黄灯" in content
