"""The organization services: credit codes checked, changes audited in their transaction, permissions, and the
apps that follow organizations told what changed (a renamed owner's projects are found by the new name)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kaigong.accounts import changes, services
from kaigong.accounts.choices import Role
from kaigong.accounts.models import Organization
from kaigong.accounts.tests.factories import make_credit_code
from kaigong.audit.models import AuditEvent
from kaigong.core.codes import credit_code_check_char
from kaigong.projects.models import Project


@pytest.fixture
def office(users):
    return users[Role.OFFICE]


@pytest.fixture
def announced():
    """The announcements made while the test runs, as (organization name, changed fields, in atomic)."""
    heard = []

    def listen(organization, fields):
        heard.append((organization.name, set(fields), transaction.get_connection().in_atomic_block))

    changes.register_organization_change_handler("test.listen", listen)
    yield heard
    changes._handlers.pop("test.listen")


def test_organization_credit_code_is_checked(office):
    good = make_credit_code(4242)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        services.create_organization(data={"name": "侯马市示例有限公司", "credit_code": bad}, actor=office)
    assert "credit_code" in info.value.message_dict
    assert not Organization.objects.filter(name="侯马市示例有限公司").exists()
    assert not AuditEvent.objects.exists()

    organization = services.create_organization(
        data={"name": "侯马市示例有限公司", "credit_code": good.lower()}, actor=office
    )
    assert organization.credit_code == good  # stored upper-case
    assert AuditEvent.objects.filter(action="create", object_id=str(organization.pk)).count() == 1


def test_organization_credit_code_is_unique(office, organization):
    with pytest.raises(ValidationError):
        services.create_organization(data={"name": "同码企业", "credit_code": organization.credit_code}, actor=office)


def test_update_organization_refuses_a_bad_code_and_audits_a_good_change(office, organization):
    body = "91141081MA0000001"
    with pytest.raises(ValidationError):
        services.update_organization(organization=organization, data={"credit_code": body + "Z"}, actor=office)
    organization.refresh_from_db()
    assert organization.credit_code != body + "Z"
    services.update_organization(
        organization=organization, data={"credit_code": body + credit_code_check_char(body)}, actor=office
    )
    organization.refresh_from_db()
    assert organization.credit_code == body + credit_code_check_char(body)
    assert AuditEvent.objects.filter(action="update", object_id=str(organization.pk)).count() == 1


def test_renaming_an_owner_keeps_its_projects_findable_by_the_new_name(db, office_user):
    from kaigong.projects.search import search_projects
    from kaigong.projects.tests.factories import ProjectFactory

    project = ProjectFactory(name="香邑产业园配套基础设施建设")
    services.update_organization(organization=project.owner, data={"name": "侯马香邑开发有限公司"}, actor=office_user)
    found = search_projects(Project.objects.all(), "香邑开发")
    assert list(found) == [project]
    assert list(search_projects(Project.objects.all(), "xycy")) == [project]  # pinyin initials of the name


# -- the organization-change hook (accounts/changes.py) ---------------------------------------------------------


def test_update_announces_the_fields_that_changed_inside_the_transaction(office, organization, announced):
    services.update_organization(
        organization=organization, data={"name": "侯马新名有限公司", "kind": organization.kind}, actor=office
    )
    assert announced == [("侯马新名有限公司", {"name"}, True)]


def test_an_update_that_changes_nothing_announces_nothing(office, organization, announced):
    services.update_organization(organization=organization, data={"name": organization.name}, actor=office)
    assert announced == []


def test_a_failing_handler_rolls_the_change_back(office, organization):
    old_name = organization.name

    def refuse(organization, fields):
        raise RuntimeError("handler failed")

    changes.register_organization_change_handler("test.refuse", refuse)
    try:
        with pytest.raises(RuntimeError):
            services.update_organization(organization=organization, data={"name": "侯马新名有限公司"}, actor=office)
    finally:
        changes._handlers.pop("test.refuse")
    organization.refresh_from_db()
    assert organization.name == old_name
    assert not AuditEvent.objects.exists()
