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
