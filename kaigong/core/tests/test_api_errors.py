"""Every API error answers in the one shape {"error": {"code", "message", "message_en", "fields"?}}."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from kaigong.accounts.choices import Role
from kaigong.core.exceptions import KaigongError, PermissionDeniedError, StaleVersionError, TransitionNotAllowed
from kaigong.projects.tests.factories import CategoryFactory, ProjectFactory


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["message_en"], str) and error["message_en"]
    assert set(error) <= {"code", "message", "message_en", "fields"}
    return error


@pytest.fixture
def office(users, api_login):
    return api_login(users[Role.OFFICE])


@pytest.fixture
def project(department):
    return ProjectFactory(
        category=CategoryFactory(name="产业类", code="industry"),
        responsible_department=department,
        total_investment=Decimal("1000"),
        annual_planned_investment=Decimal("100"),
    )


def test_unauthenticated(db):
    error = assert_error_shape(APIClient().get(reverse("project-list")), 401, "not_authenticated")
    assert error["message"] == "请先登录"


def test_bad_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")

    assert_error_shape(client.get(reverse("project-list")), 401, "authentication_failed")


def test_role_not_allowed(users, api_login):
    response = api_login(users[Role.LEADER]).post(reverse("project-list"), {}, format="json")

    error = assert_error_shape(response, 403, "permission_denied")
    assert error["message"] == "您没有执行此操作的权限"


def test_not_found(office):
    assert_error_shape(office.get(reverse("project-detail", args=[424242])), 404, "not_found")


def test_method_not_allowed(office, db):
    assert_error_shape(office.delete(reverse("category-list")), 405, "method_not_allowed")


def test_malformed_json(office, project):
    response = office.generic(
        "PATCH", reverse("project-detail", args=[project.pk]), "{not json", content_type="application/json"
    )

    assert_error_shape(response, 400, "parse_error")


def test_unsupported_media_type(office, project):
    response = office.generic(
        "PATCH", reverse("project-detail", args=[project.pk]), "<x/>", content_type="application/xml"
    )

    assert_error_shape(response, 415, "unsupported_media_type")


def test_serializer_errors_name_each_field(office, project):
    response = office.patch(
        reverse("project-detail", args=[project.pk]),
        {"year": "明年", "total_investment": "-5", "category": 999999, "version": 1},
        format="json",
    )

    error = assert_error_shape(response, 400, "validation_error")
    assert error["message"] == "输入有误,请检查各字段"
    assert set(error["fields"]) == {"year", "total_investment", "category"}
    assert all(isinstance(m, str) for messages in error["fields"].values() for m in messages)


def test_field_messages_follow_the_requested_language(office, project):
    url = reverse("project-detail", args=[project.pk])

    chinese = office.patch(url, {"year": "明年", "version": 1}, format="json")
    english = office.patch(url, {"year": "明年", "version": 1}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.json()["error"]["fields"]["year"] == ["请填写合法的整数值。"]
    assert english.json()["error"]["fields"]["year"] == ["A valid integer is required."]
    # The top-level message is given in both languages whatever the request's language.
    assert chinese.json()["error"]["message"] == english.json()["error"]["message"] == "输入有误,请检查各字段"
    assert english.json()["error"]["message_en"] == chinese.json()["error"]["message_en"]


def test_model_validation_from_the_service_names_the_field(office, project):
    response = office.patch(
        reverse("project-detail", args=[project.pk]),
        {"annual_planned_investment": "5000", "version": 1},
        format="json",
    )

    error = assert_error_shape(response, 400, "validation_error")
    assert error["fields"] == {"annual_planned_investment": ["年度计划投资不能大于总投资"]}
    project.refresh_from_db()
    assert project.annual_planned_investment == Decimal("100")
    assert project.version == 1


def test_stale_version(office, project):
    response = office.patch(
        reverse("project-detail", args=[project.pk]), {"remarks": "旧版本", "version": 5}, format="json"
    )

    error = assert_error_shape(response, 409, "stale_version")
    assert error["message"] == "该项目已被他人修改,请刷新后重试"
    assert "fields" not in error


def test_transition_not_allowed(office, project):
    response = office.post(
        reverse("project-stage", args=[project.pk]), {"stage": "completed", "version": 1}, format="json"
    )

    error = assert_error_shape(response, 400, "transition_not_allowed")
    assert "谋划" in error["message"] and "竣工" in error["message"]


class _Raises(APIView):
    """A bare view raising what services raise, to see the handler configured in settings answer it."""

    authentication_classes: list = []
    permission_classes: list = []
    exc: Exception | None = None

    def get(self, request):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (PermissionDeniedError("您无权修改该项目"), 403, "permission_denied"),
        (StaleVersionError(), 409, "stale_version"),
        (
            TransitionNotAllowed("项目不能从“%(from)s”变更为“%(to)s”", params={"from": "谋划", "to": "投产"}),
            400,
            "transition_not_allowed",
        ),
        (KaigongError("暂停或退库须填写原因"), 400, "error"),
        (DjangoValidationError({"credit_code": ["统一社会信用代码校验位不正确"]}), 400, "validation_error"),
        (DjangoValidationError("计划竣工时间不能早于计划开工时间"), 400, "validation_error"),
    ],
)
def test_service_errors_propagate_into_the_shape(exc, status, code):
    view = _Raises.as_view(exc=exc)

    response = view(APIRequestFactory().get("/"))
    response.render()

    assert_error_shape(response, status, code)
    error = response.data["error"]
    if isinstance(exc, KaigongError):
        assert error["message"] == exc.message
        assert error["message_en"] == exc.message_en
    if code == "transition_not_allowed":
        assert error["message"] == "项目不能从“谋划”变更为“投产”"
    if isinstance(exc, DjangoValidationError):
        expected = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        assert error["fields"] == expected


@pytest.mark.parametrize(
    "url",
    [
        "/api/projects/abc/",
        "/api/projects/abc/history/",
        "/api/batches/abc/",
        "/api/organizations/abc/",
        "/api/categories/abc/",
        "/api/departments/abc/",
    ],
)
def test_non_numeric_ids_are_not_found_in_the_shape(url, office):
    assert_error_shape(office.get(url), 404, "not_found")
