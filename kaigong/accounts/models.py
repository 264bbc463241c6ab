from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.choices import DepartmentKind, OrganizationKind, Role, UserEvent
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.codes import normalize_credit_code, validate_credit_code
from kaigong.core.dictionaries import clean_aliases, split_aliases

ALIASES_HELP = _("其他写法,每行一个(如“市卫体局”);导入台账和搜索时与名称同样认得")


class Department(models.Model):
    """A government department or state-owned unit: 责任单位 of projects and/or an approving department."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    aliases = models.TextField(_("别名"), blank=True, help_text=ALIASES_HELP)

    NAME_FIELDS = ("name", "short_name")  # with the aliases, what the importer and search match it by

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        clean_aliases(self, self.NAME_FIELDS)

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Organization(models.Model):
    """An enterprise or investor (建设单位 / 业主 / 投资方), identified by its unified social credit code. A county
    ledger may name an owner without its code: the import registers it by name, without a code (NULL, never ""),
    and the office completes it from the list of organizations 缺统一社会信用代码."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,  # unique only among the filled ones: NULLs are distinct on both databases
        blank=True,
        unique=True,
        validators=[validate_credit_code],
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.ENTERPRISE
    )
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业/投资方")
        verbose_name_plural = _("企业/投资方")
        indexes = [models.Index(fields=["name"], name="accounts_org_name_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.credit_code:
            self.credit_code = None  # a blank code is no code: "" twice would break the unique constraint
        super().save(*args, **kwargs)

    def clean(self):
        self.credit_code = normalize_credit_code(self.credit_code) or None

    @property
    def missing_credit_code(self) -> bool:
        return not self.credit_code


class UserManager(DjangoUserManager):
    """Django's ``createsuperuser`` and scripts create accounts with ``create_user`` / ``create_superuser``: each is
    a 新建用户 event in the creation's transaction, as ``accounts.services.create_user`` (the admin's) records it."""

    def _create_user(self, username, email, password, **extra_fields):
        with transaction.atomic(using=self._db):
            user = super()._create_user(username, email, password, **extra_fields)
            given = {name: getattr(user, name) for name in ("username", "email", "role", "is_staff", "is_superuser")}
            record_event(
                action=AuditAction.CREATE,
                obj=user,
                code=UserEvent.CREATED,
                changes={name: [None, value] for name, value in given.items() if value not in ("", False)},
            )
        return user

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)  # the role that says what the account is for
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. Department officers belong to a department, enterprise users to an organization."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.LEADER)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("电话"), max_length=30, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.DEPARTMENT) | models.Q(department__isnull=False),
                name="accounts_user_department_officer_has_department",
                violation_error_message=_("部门经办人必须属于某个部门"),
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.ENTERPRISE) | models.Q(organization__isnull=False),
                name="accounts_user_enterprise_user_has_organization",
                violation_error_message=_("企业用户必须属于某个企业"),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    # Role predicates: the only place that turns a role into abilities.
    @property
    def is_kaigong_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def can_configure(self) -> bool:
        """Users, departments, categories and levels: what the admin site (/admin/) edits, through the services."""
        return self.is_kaigong_admin

    @property
    def sees_everything(self) -> bool:
        return self.is_kaigong_admin or self.role in (Role.OFFICE, Role.LEADER)

    @property
    def can_edit_all_projects(self) -> bool:
        return self.is_kaigong_admin or self.role == Role.OFFICE

    @property
    def can_create_projects(self) -> bool:
        return self.can_edit_all_projects or self.role == Role.DEPARTMENT

    @property
    def can_import(self) -> bool:
        return self.can_edit_all_projects

    @property
    def can_see_department_work(self) -> bool:
        """A department officer has work waiting on the department (本部门待办: the items it must act on)."""
        return self.role == Role.DEPARTMENT

    @property
    def can_see_government_pages(self) -> bool:
        """Every government role reads the government's working pages (the department scoreboard, the checklist
        rules); enterprise users see their own projects only."""
        return self.role != Role.ENTERPRISE
