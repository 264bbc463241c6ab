from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    STAGE_CHANGE = "stage_change", _("阶段变更")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")


class AuditNote(models.TextChoices):
    """The steps services name in an event's note, alone ("recompute") or before free text ("request_correction:
    材料不全"). The audit log and the project history show a step by its name, never by its code; every code any
    app records must be listed here (a test reads the code base for them). Older events are named too, since the
    name is looked up when the event is shown."""

    # What a person does to a checklist item (approvals.choices.ItemAction, same names).
    PREPARE = "prepare", _("开始准备材料")
    SUBMIT = "submit", _("申报")
    WITHDRAW = "withdraw", _("撤回申报")
    ACCEPT = "accept", _("受理")
    REQUEST_CORRECTION = "request_correction", _("要求补正")
    RESUME = "resume", _("补正后重新受理")
    DECIDE = "decide", _("办结")
    MARK_NOT_APPLICABLE = "mark_not_applicable", _("标记不适用")
    WAIVE = "waive", _("免办")
    REINSTATE = "reinstate", _("恢复办理")
    # Checklists, plans and the approval catalogue.
    REGENERATE = "regenerate", _("按规则重新生成清单")
    SEED = "seed", _("初始数据")
    RECOMPUTE = "recompute", _("重新计算")
    BASELINE = "baseline", _("设定计划基线")
    # Heritage sites and routing; a reply names the level's opinion (heritage.choices.Opinion).
    IMPORT = "import", _("导入")
    CHAIN_CHANGED = "chain changed", _("报送层级变更")
    FORWARD = "forward", _("报送")
    REPLY = "reply", _("答复")
    REPLY_APPROVED = "reply: approved", _("答复：同意")
    REPLY_CONDITIONAL = "reply: conditional", _("答复：有条件同意")
    REPLY_REFUSED = "reply: refused", _("答复：不同意")
    REPLY_RETURNED = "reply: returned", _("答复：退回补充")


def note_display(note: str) -> str:
    """An event's note as people read it: a step's code by its name ("request_correction: 材料不全" → "要求补正：
    材料不全"), anything else as written."""
    labels = dict(AuditNote.choices)
    if note in labels:
        return str(labels[note])
    code, separator, rest = note.partition(": ")
    if separator and code in labels:
        return gettext("%(step)s：%(text)s") % {"step": labels[code], "text": rest}
    return note
