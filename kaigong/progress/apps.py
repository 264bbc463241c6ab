from django.apps import AppConfig


class ProgressConfig(AppConfig):
    """月度进度 (一表): monthly progress reports, the measures against the annual plan and time progress, the warning
    lights, the monthly ledger and the bulletin."""

    name = "kaigong.progress"
    label = "progress"
    verbose_name = "月度进度"

    def ready(self):
        from kaigong.audit.events import register_event_codes
        from kaigong.progress.choices import ProgressEvent
        from kaigong.progress.services import follow_changed_projects
        from kaigong.projects.changes import register_project_change_handler

        # A project whose plan, dates, stage or statistics registration changed is lit again for this month.
        register_project_change_handler("progress.lights", follow_changed_projects)
        # The steps its events record, named in the audit log.
        register_event_codes(ProgressEvent)
