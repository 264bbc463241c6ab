"""Organizations, departments and the token endpoint through the API."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department, Organization
from kaigong.accounts.tests.factories import DepartmentFactory, UserFactory, make_credit_code
from kaigong.audit.choices import AuditAction
from kaigong.audit.models import AuditEvent

ALL_ROLES = [Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]
ORG_LIST = reverse("organization-list")
TOKEN_URL = reverse("api-token")
VALID_CODE = make_credit_code(424242)


def org_url(organization) -> str:
    return reverse("organization-detail", args=[organization.pk])


# --- organizations ---


@pytest.mark.parametrize("role", ALL_ROLES)
def test_organization_list_scoping(role, users, api_login, organization, other_organization):
    response = api_login(users[role]).get(ORG_LIST)

    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    if role == Role.ENTERPRISE:
        assert names == {organization.name}
    else:
        assert names == {organization.name, other_organization.name}


def test_enterprise_user_cannot_open_another_organization(users, api_login, organization, other_organization):
    api = api_login(users[Role.ENTERPRISE])

    assert api.get(org_url(organization)).status_code == 200
    response = api.get(org_url(other_organization))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_organization_search(users, api_login, organization, other_organization):
    api = api_login(users[Role.OFFICE])

    by_name = api.get(ORG_LIST, {"search": "旺龙"}).json()["results"]
    by_code = api.get(ORG_LIST, {"search": organization.credit_code}).json()["results"]

    assert [row["id"] for row in by_name] == [other_organization.pk]
    assert [row["id"] for row in by_code] == [organization.pk]


CREATE_ORG = {Role.ADMIN: 201, Role.OFFICE: 201, Role.DEPARTMENT: 201, Role.LEADER: 403, Role.ENTERPRISE: 403}
UPDATE_ORG = {Role.ADMIN: 200, Role.OFFICE: 200, Role.DEPARTMENT: 403, Role.LEADER: 403, Role.ENTERPRISE: 403}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_create_organization_by_role(role, users, api_login):
    payload = {"name": "侯马市新材料有限公司", "credit_code": VALID_CODE.lower(), "contact_person": "王经理"}

    response = api_login(users[role]).post(ORG_LIST, payload, format="json")

    assert response.status_code == CREATE_ORG[role]
    if CREATE_ORG[role] == 201:
        assert response.json()["credit_code"] == VALID_CODE  # normalized to upper case
        organization = Organization.objects.get(credit_code=VALID_CODE)
        event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(organization.pk))
        assert event.actor == users[role]
        assert event.changes["name"] == [None, "侯马市新材料有限公司"]
    else:
        assert response.json()["error"]["code"] == "permission_denied"
        assert not Organization.objects.filter(credit_code=VALID_CODE).exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_update_organization_by_role(role, users, api_login, organization):
    response = api_login(users[role]).patch(org_url(organization), {"contact_phone": "0357-1234567"}, format="json")

    organization.refresh_from_db()
    assert response.status_code == UPDATE_ORG[role]
    if UPDATE_ORG[role] == 200:
        assert organization.contact_phone == "0357-1234567"
        event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(organization.pk))
        assert event.changes == {"contact_phone": ["", "0357-1234567"]}
        assert event.actor == users[role]
    else:
        assert response.json()["error"]["code"] == "permission_denied"
        assert organization.contact_phone == ""


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1"),
            f"统一社会信用代码校验位不正确:按前17位,第18位应为“{VALID_CODE[-1]}”,"
            f"不是“{'0' if VALID_CODE[-1] != '0' else '1'}”",
        ),
        ("91141081ABC", "统一社会信用代码应为18位,这里是11位"),
        (
            "91141081MA0IOOOOO" + "1",
            "统一社会信用代码第12位的“I”不是有效字符:只能用数字和大写字母,不用I、O、Z、S、V",
        ),
        ("9114108AMA0000001X", "统一社会信用代码第8位的“A”不正确:第3至8位是行政区划码,只能是数字"),
    ],
)
def test_bad_credit_code_is_refused_with_a_clear_message(code, message, users, api_login):
    response = api_login(users[Role.OFFICE]).post(ORG_LIST, {"name": "某公司", "credit_code": code}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["credit_code"] == [message]
    assert not Organization.objects.filter(name="某公司").exists()


def test_duplicate_credit_code_is_refused(users, api_login, organization):
    payload = {"name": "重复登记公司", "credit_code": organization.credit_code.lower()}

    response = api_login(users[Role.OFFICE]).post(ORG_LIST, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["credit_code"] == ["该统一社会信用代码已登记"]


def test_organizations_cannot_be_deleted(users, api_login, organization):
    response = api_login(users[Role.ADMIN]).delete(org_url(organization))

    assert response.status_code == 405
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_organization_list_does_not_query_per_row(users, api_login, django_assert_max_num_queries):
    from kaigong.accounts.tests.factories import OrganizationFactory

    OrganizationFactory.create_batch(30)
    api = api_login(users[Role.OFFICE])

    with django_assert_max_num_queries(2):
        response = api.get(ORG_LIST)
    assert response.json()["count"] == Organization.objects.count() > 30


# --- departments ---


def test_department_list_in_sort_order(users, api_login, department):
    first = DepartmentFactory(name="排在最前的部门", short_name="最前", sort_order=0)

    response = api_login(users[Role.LEADER]).get(reverse("department-list"))

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == Department.objects.count()
    assert rows[0]["id"] == first.pk
    row = next(row for row in rows if row["id"] == department.pk)
    assert row["name"] == "侯马市发展和改革局"
    assert row["short_name"] == "发改局"
    assert row["kind_display"] == department.get_kind_display()


def test_departments_are_read_only(users, api_login, department):
    api = api_login(users[Role.ADMIN])

    assert api.post(reverse("department-list"), {"name": "新部门"}, format="json").status_code == 405
    url = reverse("department-detail", args=[department.pk])
    assert api.patch(url, {"name": "改名"}, format="json").status_code == 405
    department.refresh_from_db()
    assert department.name == "侯马市发展和改革局"


def test_departments_need_authentication(department):
    response = APIClient().get(reverse("department-list"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- token ---


def test_token_for_valid_credentials_authenticates_later_calls(users):
    user = users[Role.LEADER]
    client = APIClient()

    response = client.post(TOKEN_URL, {"username": "leader", "password": "pass-1234-word"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["token"] == Token.objects.get(user=user).key
    assert body["username"] == "leader"
    assert body["role"] == "leader"

    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    listed = token_client.get(reverse("department-list"))
    assert listed.status_code == 200


def test_token_accepts_form_posts(users):
    response = APIClient().post(TOKEN_URL, {"username": "office", "password": "pass-1234-word"})

    assert response.status_code == 200
    assert response.json()["role"] == "office"


@pytest.mark.parametrize(
    "payload", [{"username": "leader", "password": "wrong"}, {"username": "nobody", "password": "pass-1234-word"}]
)
def test_token_refuses_bad_credentials(payload, users):
    response = APIClient().post(TOKEN_URL, payload, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["non_field_errors"] == ["用户名或密码不正确"]
    assert not Token.objects.exists()


def test_token_refuses_inactive_users(db):
    UserFactory(username="gone", role=Role.LEADER, is_active=False)

    response = APIClient().post(TOKEN_URL, {"username": "gone", "password": "pass-1234-word"}, format="json")

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_needs_both_fields(db):
    response = APIClient().post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_a_wrong_token_is_401_in_the_error_shape(users):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get(reverse("department-list"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_deactivated_users_token_stops_working(users):
    user = users[Role.OFFICE]
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get(reverse("department-list")).status_code == 401
