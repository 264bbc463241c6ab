import datetime as dt
from decimal import Decimal

import factory

from kaigong.accounts.tests.factories import DepartmentFactory, OrganizationFactory
from kaigong.projects.models import Category, GroundbreakingBatch, Level, Project


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"类别{n}")
    code = factory.Sequence(lambda n: f"cat{n}")


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level
        django_get_or_create = ("code",)

    name = "市级"
    code = "municipal"


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project in planning; use services to move its stage (Project.stage is the services' to write)."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = factory.SubFactory(CategoryFactory)
    level = factory.SubFactory(LevelFactory)
    year = 2024
    owner = factory.SubFactory(OrganizationFactory)
    responsible_department = factory.SubFactory(DepartmentFactory)
    total_investment = Decimal("10000.00")
    annual_planned_investment = Decimal("3000.00")
    planned_start_date = dt.date(2024, 3, 1)

    class Params:
        # ProjectFactory(coded=True): a project with its project code, as a move to 新开工 needs.
        coded = factory.Trait(project_code=factory.Sequence(lambda n: f"2019-141081-04-01-{n + 900000:06d}"))

    @factory.post_generation
    def _search_text(obj, create, extracted, **kwargs):
        obj.refresh_search_text()
        if create:
            type(obj).objects.filter(pk=obj.pk).update(search_text=obj.search_text)


class GroundbreakingBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroundbreakingBatch

    name = factory.Sequence(lambda n: f"第{n}批集中开工")
    date = dt.date(2024, 1, 1)
