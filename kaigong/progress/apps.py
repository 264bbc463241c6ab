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
        from kaigong.progress.demo import load_demo_part
        from kaigong.progress.ledger_columns import progress_columns
        from kaigong.progress.services import follow_changed_projects
        from kaigong.projects.changes import register_project_change_handler
        from kaigong.projects.demo import DemoStep, register_demo_step
        from kaigong.projects.ledger.extensions import register_export_columns

        # A lit project whose plan, dates, stage or statistics registration changed is lit again for its month.
        register_project_change_handler("progress.lights", follow_changed_projects)
        # The monthly ledger: the ledger export with a month's progress columns (?progress_month=2024-10).
        register_export_columns("progress", progress_columns)
        # Its part of the demo city: a year of monthly reports, the lights.
        register_demo_step("progress", DemoStep(load=load_demo_part))
        # The steps its events record, named in the audit log.
        register_event_codes(ProgressEvent)
