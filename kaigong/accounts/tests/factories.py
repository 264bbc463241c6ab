import factory

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department, Organization, User
from kaigong.core.codes import CREDIT_CODE_ALPHABET, credit_code_check_char


def make_credit_code(n: int) -> str:
    """A valid unified social credit code, different for each n."""
    body = "91141081" + "".join(CREDIT_CODE_ALPHABET[(n // 31**i) % 31] for i in range(9))
    return body + credit_code_check_char(body)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试部门{n}")
    short_name = factory.Sequence(lambda n: f"部门{n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(make_credit_code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.OFFICE
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
