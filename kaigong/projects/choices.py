from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """项目阶段: the pipeline from planning to operation, plus paused and withdrawn."""

    PLANNING = "planning", _("谋划")
    PREPARATION = "preparation", _("前期")
    STARTED = "started", _("新开工")
    CONSTRUCTION = "construction", _("在建")
    COMPLETED = "completed", _("竣工")
    OPERATING = "operating", _("投产")
    PAUSED = "paused", _("暂停")
    WITHDRAWN = "withdrawn", _("退库")


# The allowed stage transitions. change_project_stage() is the only writer of Project.stage and checks here.
STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PLANNING: frozenset({Stage.PREPARATION, Stage.STARTED, Stage.PAUSED, Stage.WITHDRAWN}),
    Stage.PREPARATION: frozenset({Stage.PLANNING, Stage.STARTED, Stage.PAUSED, Stage.WITHDRAWN}),
    Stage.STARTED: frozenset({Stage.CONSTRUCTION, Stage.COMPLETED, Stage.PAUSED, Stage.WITHDRAWN}),
    Stage.CONSTRUCTION: frozenset({Stage.COMPLETED, Stage.PAUSED}),
    Stage.COMPLETED: frozenset({Stage.OPERATING}),
    Stage.OPERATING: frozenset(),
    Stage.PAUSED: frozenset({Stage.PLANNING, Stage.PREPARATION, Stage.CONSTRUCTION, Stage.WITHDRAWN}),
    Stage.WITHDRAWN: frozenset({Stage.PLANNING}),
}

# Stages a project can be in without having started construction.
PRE_START_STAGES = frozenset({Stage.PLANNING, Stage.PREPARATION})
# Moving into these needs a reason.
STAGES_NEEDING_REASON = frozenset({Stage.PAUSED, Stage.WITHDRAWN})


def allowed_next_stages(stage: str) -> list[str]:
    return [s for s in Stage.values if s in STAGE_TRANSITIONS.get(stage, frozenset())]


class Pool(models.TextChoices):
    """项目库: the planning pool (谋划储备库), the implementation pool (实施库), or withdrawn (退库)."""

    PLANNING = "planning", _("储备库")
    IMPLEMENTATION = "implementation", _("实施库")
    WITHDRAWN = "withdrawn", _("已退库")


class ReviewRegime(models.TextChoices):
    """审批 / 核准 / 备案: how the project itself is authorised (DOMAIN.md §2)."""

    APPROVAL = "approval", _("审批")
    RATIFICATION = "ratification", _("核准")
    FILING = "filing", _("备案")


class ProjectClass(models.IntegerChoices):
    """审批流程类型 of the national data standard (1–10)."""

    GOVERNMENT_BUILDING = 1, _("政府投资房屋建筑类")
    GOVERNMENT_LINEAR = 2, _("政府投资城市基础设施线性工程类")
    SOCIAL_GENERAL = 3, _("一般社会投资类")
    SOCIAL_SMALL = 4, _("中小型社会投资类")
    SOCIAL_WITH_DESIGN = 5, _("带方案出让用地的社会投资类")
    INDUSTRIAL = 6, _("工业类")
    TRANSPORT = 7, _("交通类")
    WATER = 8, _("水利类")
    ENERGY = 9, _("能源类")
    OTHER = 10, _("其他类")


class LandSource(models.TextChoices):
    ALLOCATED = "allocated", _("划拨")
    TRANSFERRED = "transferred", _("出让")
    EXISTING = "existing", _("自有存量用地")
    LEASED = "leased", _("租赁")
    NONE = "none", _("不新增用地")


class EiaCategory(models.TextChoices):
    """环评类别 under the classified management catalogue."""

    REPORT = "report", _("环境影响报告书")
    TABLE = "table", _("环境影响报告表")
    REGISTRATION = "registration", _("环境影响登记表")
    EXEMPT = "exempt", _("无需环评")


class LedgerEvent(models.TextChoices):
    """The steps the ledger's events record (AuditEvent.code, registered with kaigong.audit.events); the note
    holds the file name or the export's title."""

    IMPORT = "ledger_import", _("台账导入")
    EXPORT = "ledger_export", _("台账导出")
    LOST = "ledger_worker_lost", _("台账处理中断")
    CANCELLED = "ledger_cancelled", _("台账取消")
    RETRIED = "ledger_retried", _("台账重试")
