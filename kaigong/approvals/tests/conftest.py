"""Fixtures of the approvals tests: a small controlled catalogue beside the seeded one, and API URLs."""

import pytest

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import UserFactory
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.projects.tests.factories import ProjectFactory


@pytest.fixture
def approving_officer(db, other_department):
    """An officer of 住建局 (other_department), which approves the test matters below."""
    return UserFactory(username="zjj", role=Role.DEPARTMENT, department=other_department)


@pytest.fixture
def matter(db, other_department):
    """A matter with a committed limit of 5 working days, statutory 20, benchmark 4, approved by 住建局."""
    return ApprovalMatter.objects.create(
        code="test-permit",
        name="测试许可",
        approval_stage=3,
        department=other_department,
        statutory_limit=20,
        committed_limit=5,
        benchmark_limit=4,
        benchmark_source="测试",
    )


@pytest.fixture
def commitment_matter(db, other_department):
    return ApprovalMatter.objects.create(
        code="test-commitment",
        name="测试承诺事项",
        approval_stage=5,
        department=other_department,
        committed_limit=3,
        allows_commitment=True,
    )


@pytest.fixture
def test_rules(matter, commitment_matter):
    """Only the test rules are active, so checklists contain exactly what a test expects."""
    ChecklistRule.objects.update(is_active=False)
    return [
        ChecklistRule.objects.create(
            name="核准项目需测试许可",
            matter=matter,
            condition={"attr": "review_regime", "op": "eq", "value": "ratification"},
        ),
        ChecklistRule.objects.create(
            name="大项目需承诺事项",
            matter=commitment_matter,
            condition={"attr": "building_area", "op": "gte", "value": 10000},
        ),
    ]


@pytest.fixture
def project(db, department, organization):
    """A ratification project of the test department, owned by the test organization, 20,000 m²."""
    return ProjectFactory(
        name="国强自动化产业园",
        responsible_department=department,
        owner=organization,
        review_regime="ratification",
        building_area=20000,
    )
