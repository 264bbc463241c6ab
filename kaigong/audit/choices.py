from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What kind of change an event records. A person's access (logins, logouts, failed logins, lockouts, unlocks,
    tokens, password changes) is ACCESS, its step the event's code (accounts.choices.AccountEvent), so the audit
    log filters every access event at once, or the logins alone by their step."""

    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    STAGE_CHANGE = "stage_change", _("阶段变更")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    ACCESS = "access", _("登录与访问")
