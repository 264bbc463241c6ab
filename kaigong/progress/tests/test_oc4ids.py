"""The OC4IDS open data export: a small city's package validates against the standard's vendored schema (resolved
locally, never over the network), holds what each user may see, and says the right things about each project."""

import csv
import datetime as dt
import io
import json
import re
import socket
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT4

from kaigong.accounts.choices import OrganizationKind, Role
from kaigong.accounts.tests.factories import OrganizationFactory, UserFactory
from kaigong.progress import oc4ids, services
from kaigong.progress.tests.factories import building_project
from kaigong.projects.choices import ProjectClass, Stage
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory

TODAY = dt.date(2024, 10, 20)
URL = "/api/progress/oc4ids/"
SCHEMA_DIR = oc4ids.SCHEMA_DIR

# --- the vendored schema, resolved locally ---------------------------------------------------------------------------


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


PACKAGE_SCHEMA = _load("project-package-schema.json")
PROJECT_SCHEMA = _load("project-schema.json")


def refuse_retrieval(uri: str):
    """The registry's retrieve function: anything not vendored is refused, never fetched."""
    raise NoSuchResource(ref=uri)


REGISTRY = Registry(retrieve=refuse_retrieval).with_resources(
    (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
    for schema in (PACKAGE_SCHEMA, PROJECT_SCHEMA)
)

# jsonschema checks "date-time" and "uri" only with optional packages Kaigong does not install; the schema uses both,
# so they are checked here (RFC 3339 date-times with an offset; absolute URIs).
FORMATS = FormatChecker()
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


def validator() -> Draft4Validator:
    assert PACKAGE_SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    return Draft4Validator(PACKAGE_SCHEMA, registry=REGISTRY, format_checker=FORMATS)


def schema_errors(package: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator().iter_errors(package)]


def codelist(name: str) -> set[str]:
    with open(SCHEMA_DIR / "codelists" / f"{name}.csv", encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Nothing here may open a connection but the test database's (a schema fetched over the network would hang, or
    pass by luck)."""
    database = settings.DATABASES["default"]
    allowed = {(database.get("HOST") or "", int(database.get("PORT") or 5432))}
    connect = socket.socket.connect

    def guarded(sock, address):
        if isinstance(address, tuple) and (address[0], address[1]) not in allowed:
            raise AssertionError(f"network access in the OC4IDS tests: {address}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def test_the_network_guard_holds():
    with pytest.raises(AssertionError, match="network access"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)  # TEST-NET-3: no name lookup needed


# --- a small city ----------------------------------------------------------------------------------------------------


def report(project, month: int, amount: str, actor, **data):
    return services.submit_report(
        project=project,
        month=dt.date(2024, month, 1),
        data={"monthly_investment": Decimal(amount), **data},
        actor=actor,
        today=TODAY,
    )


def set_stage(project, stage, **dates):
    """Project.stage is the projects services' to write: set here as test data, the way the factories do."""
    Project.objects.filter(pk=project.pk).update(stage=stage, **dates)
    project.refresh_from_db()
    return project


@pytest.fixture
def city(users, department, other_department, organization, other_organization):
    office = users[Role.OFFICE]
    road = building_project(
        name="侯马市浍河大道改造工程",
        owner=organization,
        responsible_department=department,
        project_class=ProjectClass.TRANSPORT,
        construction_content="改造道路3.2公里,配套排水、照明和绿化",
        address="侯马市浍河大道(新田路至台神大街)",
        township="上马街道",
        latitude=Decimal("35.619312"),
        longitude=Decimal("111.372511"),
        annual="1200",
        total="10000",
        planned_completion_date=dt.date(2025, 12, 31),
    )
    report(road, 1, "100.50", users[Role.ENTERPRISE], visible_progress="完成管线迁改", visible_stage="前期")
    report(road, 2, "200", users[Role.ENTERPRISE])
    report(road, 3, "300", users[Role.ENTERPRISE], visible_progress="主体路基完成一半", visible_stage="基本过半")

    school = building_project(
        name="侯马市第二中学扩建项目", owner=other_organization, responsible_department=other_department, total="5000"
    )
    report(school, 1, "400", office)
    report(school, 2, "600", office)
    set_stage(school, Stage.COMPLETED, actual_completion_date=dt.date(2024, 2, 28))

    planned = ProjectFactory(
        name="侯马市智慧停车场项目", owner=organization, responsible_department=department, project_code=""
    )
    return {"road": road, "school": school, "planned": planned}


def by_id(package: dict) -> dict:
    return {project["id"]: project for project in package["projects"]}


def oc4ids_id(project) -> str:
    return f"oc4ids-kaigong-141081-{project.pk}"


# --- the package ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_citys_package_validates_against_the_vendored_schema(city, users):
    package = oc4ids.project_package(user=users[Role.OFFICE])

    assert len(package["projects"]) == 3
    assert schema_errors(package) == []
    assert package["version"] == "0.9"
    # Open codelists allow other codes; Kaigong uses only listed ones.
    projects = package["projects"]
    assert {s for p in projects for s in p.get("sector", [])} <= codelist("projectSector")
    assert {r for p in projects for party in p.get("parties", []) for r in party["roles"]} <= codelist("partyRole")
    assert {m["id"] for p in projects for m in p.get("metrics", [])} == codelist("metricID")
    assert {p["status"] for p in projects} <= codelist("projectStatus")


@pytest.mark.django_db
def test_the_validator_refuses_what_the_standard_refuses(city, users):
    """The schema check can fail: a status outside the codelist, a money amount as text, a date without time."""
    package = oc4ids.project_package(user=users[Role.OFFICE])
    project = package["projects"][0]
    project["status"] = "paused"
    project["budget"]["amount"]["amount"] = "100000000"
    project["updated"] = "2024-10-20"
    errors = schema_errors(package)
    assert len(errors) == 3, errors
    assert schema_errors({**package, "projects": []})  # at least one project


def test_the_schema_is_resolved_locally_and_nothing_else():
    Draft4Validator.check_schema(PACKAGE_SCHEMA)
    Draft4Validator.check_schema(PROJECT_SCHEMA)
    resolver = REGISTRY.resolver()
    ref = PACKAGE_SCHEMA["properties"]["projects"]["items"]["$ref"]
    assert resolver.lookup(ref).contents is PROJECT_SCHEMA
    with pytest.raises(Unresolvable):
        resolver.lookup("https://standard.open-contracting.org/infrastructure/schema/0__9__4/project-schema.json")
    with pytest.raises(NoSuchResource):
        refuse_retrieval("http://json-schema.org/draft-04/schema#")


@pytest.mark.django_db
def test_a_project_in_construction(city, users, organization, department):
    road = city["road"]
    project = by_id(oc4ids.project_package(user=users[Role.OFFICE]))[oc4ids_id(road)]

    assert project["identifiers"] == [{"id": road.project_code, "scheme": "CN-TZXMDM"}]
    assert project["title"] == "侯马市浍河大道改造工程"
    assert project["description"] == "改造道路3.2公里,配套排水、照明和绿化"
    assert project["status"] == "implementation"
    assert project["sector"] == ["transport"]
    assert "type" not in project  # Kaigong records no 新建/改扩建
    assert project["budget"]["amount"] == {"amount": 100_000_000, "currency": "CNY"}  # 10000 万元
    (breakdown,) = project["budget"]["budgetBreakdowns"][0]["budgetBreakdown"]
    assert breakdown["amount"] == {"amount": 12_000_000, "currency": "CNY"}
    assert breakdown["period"] == {"startDate": "2024-01-01T00:00:00+08:00", "endDate": "2024-12-31T23:59:59+08:00"}
    assert project["period"] == {"startDate": "2024-01-01T00:00:00+08:00", "endDate": "2025-12-31T23:59:59+08:00"}
    assert project["implementationPeriod"] == {"startDate": "2024-01-01T00:00:00+08:00"}
    (location,) = project["locations"]
    assert location["geometry"] == {"type": "Point", "coordinates": [111.372511, 35.619312]}  # [lon, lat]
    assert location["address"] == {
        "streetAddress": "侯马市浍河大道(新田路至台神大街)",
        "locality": "上马街道",
        "region": "141081",
        "countryName": "中国",
    }
    owner, responsible = project["parties"]
    assert owner["name"] == organization.name and owner["roles"] == ["buyer"]
    assert owner["identifier"] == {"scheme": "CN-USCC", "id": organization.credit_code, "legalName": organization.name}
    assert responsible == {"id": f"dept-{department.pk}", "name": department.name, "roles": ["publicAuthority"]}
    assert project["publicAuthority"] == {"id": responsible["id"], "name": department.name}
    assert "completion" not in project


@pytest.mark.django_db
def test_the_monthly_reports_are_metrics_in_yuan(city, users):
    project = by_id(oc4ids.project_package(user=users[Role.OFFICE]))[oc4ids_id(city["road"])]
    metrics = {metric["id"]: {o["id"]: o for o in metric["observations"]} for metric in project["metrics"]}
    financial, physical = metrics["financialProgress"], metrics["physicalProgress"]

    january = financial["2024-01"]
    assert january["value"] == {"amount": 1_005_000, "currency": "CNY"}  # 100.50 万元, exactly
    assert type(january["value"]["amount"]) is int
    assert january["period"] == {"startDate": "2024-01-01T00:00:00+08:00", "endDate": "2024-01-31T23:59:59+08:00"}
    march_ytd = financial["2024-03-yearToDate"]
    assert march_ytd["value"]["amount"] == 6_005_000  # 100.50 + 200 + 300 万元
    assert march_ytd["period"] == {"startDate": "2024-01-01T00:00:00+08:00", "endDate": "2024-03-31T23:59:59+08:00"}
    rate = financial["2024-03-yearToDate-rate"]
    assert rate["measure"] == 50.04  # 完成率 600.50 / 1200
    assert rate["unit"]["id"] == "P1"
    assert financial["2024-02-sinceStart"]["value"]["amount"] == 3_005_000
    assert financial["2024-02-sinceStart"]["period"]["startDate"] == "2024-01-01T00:00:00+08:00"
    assert len(financial) == 12  # three months × (month, year to date, 完成率, since start)

    assert physical["2024-03"]["measure"] == "基本过半"
    assert physical["2024-03"]["notes"] == "主体路基完成一半"
    assert set(physical) == {"2024-01", "2024-03"}  # February said nothing of the works


@pytest.mark.django_db
def test_a_completed_project_and_one_in_planning(city, users):
    projects = by_id(oc4ids.project_package(user=users[Role.OFFICE]))
    school = projects[oc4ids_id(city["school"])]
    assert school["status"] == "completion"
    assert school["completion"] == {
        "endDate": "2024-02-28T23:59:59+08:00",
        "finalValue": {"amount": 10_000_000, "currency": "CNY"},  # 400 + 600 万元 since the start
    }
    assert "sector" not in school  # 审批流程类型 unknown: no sector invented

    planned = projects[oc4ids_id(city["planned"])]
    assert planned["status"] == "identification"
    assert "identifiers" not in planned  # no 项目代码 yet
    assert "metrics" not in planned and "locations" not in planned


@pytest.mark.parametrize(
    ("stage", "started", "status"),
    [
        (Stage.PLANNING, False, "identification"),
        (Stage.PREPARATION, False, "preparation"),
        (Stage.STARTED, True, "implementation"),
        (Stage.CONSTRUCTION, True, "implementation"),
        (Stage.COMPLETED, True, "completion"),
        (Stage.OPERATING, True, "maintenance"),
        (Stage.PAUSED, True, "implementation"),
        (Stage.PAUSED, False, "preparation"),
        (Stage.WITHDRAWN, False, "cancelled"),
    ],
)
@pytest.mark.django_db
def test_status_follows_the_stage(users, stage, started, status):
    project = set_stage(ProjectFactory(), stage, actual_start_date=dt.date(2024, 3, 1) if started else None)
    package = oc4ids.project_package(user=users[Role.OFFICE])
    assert by_id(package)[oc4ids_id(project)]["status"] == status
    assert schema_errors(package) == []


@pytest.mark.django_db
def test_a_public_owner_is_the_public_authority(users):
    bureau = OrganizationFactory(name="侯马市城市建设投资有限公司", kind=OrganizationKind.INSTITUTION, credit_code=None)
    project = ProjectFactory(owner=bureau)
    data = by_id(oc4ids.project_package(user=users[Role.OFFICE]))[oc4ids_id(project)]
    owner = data["parties"][0]
    assert owner["roles"] == ["buyer", "publicAuthority"]
    assert "identifier" not in owner  # no credit code on record
    assert data["publicAuthority"]["id"] == f"org-{bureau.pk}"


@pytest.mark.django_db
def test_money_is_exact_at_any_size(users):
    project = ProjectFactory(total_investment=Decimal("123456789.99"), annual_planned_investment=Decimal("0.01"))
    data = by_id(oc4ids.project_package(user=users[Role.OFFICE]))[oc4ids_id(project)]
    assert data["budget"]["amount"]["amount"] == 1_234_567_899_900
    assert data["budget"]["budgetBreakdowns"][0]["budgetBreakdown"][0]["amount"]["amount"] == 100


@pytest.mark.django_db
def test_the_prefix_comes_from_the_settings(city, users, settings):
    settings.KAIGONG_OC4IDS_PREFIX = "oc4ids-abc123"
    ids = {project["id"] for project in oc4ids.project_package(user=users[Role.OFFICE])["projects"]}
    assert f"oc4ids-abc123-{city['road'].pk}" in ids


@pytest.mark.django_db
def test_an_enterprise_sees_only_its_own_projects(city, users):
    package = oc4ids.project_package(user=users[Role.ENTERPRISE])
    assert set(by_id(package)) == {oc4ids_id(city["road"]), oc4ids_id(city["planned"])}
    assert schema_errors(package) == []


@pytest.mark.django_db
def test_the_package_is_read_in_chunks_without_a_query_per_project(city, users, monkeypatch):
    for _ in range(4):
        project = building_project(owner=users[Role.ENTERPRISE].organization)
        report(project, 1, "10", users[Role.OFFICE])
    office = users[Role.OFFICE]
    with CaptureQueriesContext(connection) as whole:
        oc4ids.project_package(user=office)
    monkeypatch.setattr(oc4ids, "CHUNK", 2)
    with CaptureQueriesContext(connection) as chunked:
        package = oc4ids.project_package(user=office)
    assert len(package["projects"]) == 7
    # one chunk: the published date (2 queries), then the projects and their reports
    assert len(whole) == 4
    # seven projects two at a time: four chunks of two queries
    assert len(chunked) == 2 + 4 * 2


# --- the CLI's function ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_write_package_writes_the_whole_city(city, tmp_path):
    out = tmp_path / "oc4ids.json"
    assert oc4ids.write_package(out) == 3
    package = json.loads(out.read_text(encoding="utf-8"))
    assert schema_errors(package) == []
    assert set(by_id(package)) == {oc4ids_id(p) for p in city.values()}

    stream = io.StringIO()
    published = dt.datetime(2024, 10, 20, 9, 30, tzinfo=dt.UTC)
    oc4ids.write_package(stream, published=published)
    assert json.loads(stream.getvalue()) == oc4ids.project_package(user=None, published=published)


@pytest.mark.django_db
def test_write_package_for_a_user_and_for_nobodys_projects(city, users):
    stream = io.StringIO()
    assert oc4ids.write_package(stream, user=users[Role.ENTERPRISE]) == 2
    assert len(json.loads(stream.getvalue())["projects"]) == 2

    nobody = UserFactory(role=Role.ENTERPRISE, organization=OrganizationFactory())
    stream = io.StringIO()
    assert oc4ids.write_package(stream, user=nobody) == 0
    assert json.loads(stream.getvalue())["projects"] == []


# --- the API -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_answers_the_package_of_what_the_user_sees(city, users, api_login, django_assert_max_num_queries):
    for _ in range(5):  # more projects, no more queries
        report(building_project(), 1, "10", users[Role.OFFICE])
    with django_assert_max_num_queries(4):
        response = api_login(users[Role.OFFICE]).get(URL)
    assert response.status_code == 200
    package = response.json()
    assert schema_errors(package) == []
    assert len(package["projects"]) == 8
    assert package["uri"] == "http://testserver/api/progress/oc4ids/"

    response = api_login(users[Role.ENTERPRISE]).get(URL)
    assert set(by_id(response.json())) == {oc4ids_id(city["road"]), oc4ids_id(city["planned"])}

    response = api_login(users[Role.DEPARTMENT]).get(URL)
    assert set(by_id(response.json())) == {oc4ids_id(city["road"]), oc4ids_id(city["planned"])}


@pytest.mark.django_db
def test_api_honours_the_project_filters(city, users, api_login, department):
    api = api_login(users[Role.LEADER])
    response = api.get(URL, {"stage": Stage.COMPLETED})
    assert set(by_id(response.json())) == {oc4ids_id(city["school"])}
    response = api.get(URL, {"responsible_department": department.pk, "q": "浍河"})
    assert set(by_id(response.json())) == {oc4ids_id(city["road"])}
    # An enterprise's filter cannot reach beyond its own projects.
    response = api_login(users[Role.ENTERPRISE]).get(URL, {"stage": Stage.COMPLETED})
    assert response.json()["projects"] == []


@pytest.mark.django_db
def test_api_refuses_a_bad_filter_and_a_stranger(city, users, api_login, client):
    response = api_login(users[Role.OFFICE]).get(URL, {"stage": "nonsense"})
    assert response.status_code == 400
    assert "stage" in json.dumps(response.json())

    response = client.get(URL)  # not signed in
    assert response.status_code == 401
    assert "projects" not in response.json()


@pytest.mark.django_db
def test_api_is_documented_in_the_openapi_schema(users, api_login):
    response = api_login(users[Role.OFFICE]).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = json.loads(response.content)["paths"][URL]["get"]
    assert operation["operationId"] == "progress_oc4ids"
    assert {p["name"] for p in operation["parameters"]} >= {"stage", "category", "q", "responsible_department"}
