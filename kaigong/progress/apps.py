from django.apps import AppConfig


class ProgressConfig(AppConfig):
    """月度进度 (一表): monthly progress reports, the measures against the annual plan and time progress, the warning
    lights, the monthly ledger and the bulletin."""

    name = "kaigong.progress"
    label = "progress"
    verbose_name = "月度进度"
