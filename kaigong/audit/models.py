from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from kaigong.audit.choices import AuditAction
from kaigong.audit.events import actor_display, event_label

# The actor_label stored for commands and jobs that name no actor; stored in Chinese, shown translated.
SYSTEM_ACTOR = gettext_noop("系统")


class ImmutableError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("audit events cannot be changed")

    def delete(self):
        raise ImmutableError("audit events cannot be deleted")

    def for_object(self, obj) -> "AuditEventQuerySet":
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One recorded change: who (a user, or a named system actor such as a command), when, what, before/after.

    ``project_id`` is kept without a foreign-key constraint so a deleted project's history survives it.
    Events are append-only: there is no page, endpoint or model method that edits or deletes them, and the database
    refuses UPDATE and DELETE (triggers, migration 0003). They form a hash chain (``prev_hash``, ``chain_hash``;
    audit/chain.py) that ``kaigong audit verify`` walks; only ``services.record_event``/``record_events`` write them.
    """

    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    # Set by the writer, not on save, so the chain hash covers the time that is stored.
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=100, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    code = models.CharField(
        _("步骤"), max_length=40, blank=True, help_text=_("事件的步骤代码(各应用登记,见 audit/events.py)")
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_actor_id = models.BigIntegerField(
        _("操作人编号"), null=True, blank=True, editable=False, help_text=_("记录时操作人的编号,删除该用户后仍保留")
    )
    prev_hash = models.CharField(_("前一事件哈希"), max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(
        _("链哈希"), max_length=64, editable=False, help_text=_("本事件内容与前一事件哈希的 SHA-256")
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [
            models.Index(fields=["project", "-occurred_at"], name="audit_project_time_idx"),
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time_idx"),
            models.Index(fields=["code", "-occurred_at"], name="audit_code_time_idx"),
        ]
        constraints = [
            # One chain: no two events link to the same predecessor, whatever writes them.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_auditevent_one_successor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("audit events cannot be changed")
        if not self.chain_hash:
            raise ImmutableError("audit events are written by kaigong.audit.services.record_event, which chains them")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("audit events cannot be deleted")

    @property
    def code_display(self) -> str:
        """The event's step by its name in the active language (audit.events)."""
        return event_label(self.code) if self.code else ""

    @property
    def note_display(self) -> str:
        """The step's name and the free-text note, as people read them ("要求补正：材料不全")."""
        if self.code and self.note:
            return gettext("%(step)s：%(text)s") % {"step": self.code_display, "text": self.note}
        return self.code_display or self.note

    @property
    def actor_display(self) -> str:
        if self.actor_id:
            return str(self.actor)
        if not self.actor_label or self.actor_label == SYSTEM_ACTOR:
            return gettext(SYSTEM_ACTOR)
        return actor_display(self.actor_label)
