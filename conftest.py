"""Shared fixtures: one user per role, with their department or organization, and logged-in clients."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import DepartmentFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # The default PBKDF2 costs ~0.5 s per user; tests create five users per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_audit_log():
    """Transactional tests end with Django's flush, which empties every table; the audit table's triggers refuse
    that but inside the maintenance switch (kaigong/audit/maintenance.py), so the tests' flush turns it on. A flush
    outside the tests stays refused."""
    from django.core.management.commands import flush

    from kaigong.audit.maintenance import audit_maintenance

    handle = flush.Command.handle

    def handle_in_maintenance(self, **options):
        with audit_maintenance(using=options["database"]):
            return handle(self, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush.Command, "handle", handle_in_maintenance)
        yield


@pytest.fixture(autouse=True)
def _demo_city_logins(settings):
    """The suite logs in to the demo city with its published password, as `make demo` does (KAIGONG_DEMO=1); the
    tests of the forced password change turn this off. Failed logins (axes) live in the database, so each test's
    rollback or flush forgets them: no test is locked out by another."""
    settings.KAIGONG_DEMO = True


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware leaves a request's language active in the thread: start and end each test in Chinese."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def department(db):
    return DepartmentFactory(name="侯马市发展和改革局", short_name="发改局")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="侯马市住房和城乡建设管理局", short_name="住建局")


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="江苏国强兴晟能源科技有限公司")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="山西旺龙药业集团有限公司")


@pytest.fixture
def users(db, department, organization):
    """{role: user} for every role."""
    return {
        Role.ADMIN: UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
        Role.OFFICE: UserFactory(username="office", role=Role.OFFICE),
        Role.DEPARTMENT: UserFactory(username="dept", role=Role.DEPARTMENT, department=department),
        Role.LEADER: UserFactory(username="leader", role=Role.LEADER),
        Role.ENTERPRISE: UserFactory(username="ent", role=Role.ENTERPRISE, organization=organization),
    }


@pytest.fixture
def office_user(users):
    return users[Role.OFFICE]


@pytest.fixture
def login(client):
    """login(user) → the Django test client, logged in as user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_login():
    """api_login(user) → a DRF APIClient authenticated as user."""

    def _login(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return _login


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, one per browser test module (kaigong.core.tests.browser).

    Playwright's sync API keeps an asyncio loop in this thread; the ORM (the test's and pytest-django's flush after
    each test) would refuse to run beside it, so that is allowed while the module's browser is open."""
    import os

    from kaigong.core.tests.browser import CHROMIUM, LAUNCH_ARGS, sync_api

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
