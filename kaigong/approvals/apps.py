from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """一项目一清单: the approval catalogue, the rules that pick a project's matters, checklists and their clocks."""

    name = "kaigong.approvals"
    label = "approvals"
    verbose_name = "前期手续"

    def ready(self):
        from kaigong.approvals.checklists.services import groundbreaking_objections, regenerate_changed_checklists
        from kaigong.approvals.choices import ApprovalsEvent, ItemAction
        from kaigong.approvals.demo import load_demo_approvals, replanned_projects
        from kaigong.approvals.models import department_items_reach
        from kaigong.audit.events import register_event_codes
        from kaigong.projects.changes import register_project_change_handler
        from kaigong.projects.demo import DemoStep, register_demo_step
        from kaigong.projects.scoping import register_department_reach
        from kaigong.projects.stage_guards import register_stage_guard

        # A department reads the projects on which it approves a checklist item (issue 8 §4).
        register_department_reach("approvals.items", department_items_reach)
        # Groundbreaking with pre-start items undecided needs the office's recorded reason (issue 8 §5).
        register_stage_guard("approvals.groundbreaking", groundbreaking_objections)
        # A change of the attributes the rules read regenerates the project's checklist (一清单).
        register_project_change_handler("approvals.checklists", regenerate_changed_checklists)
        # Its part of the demo city: checklists in plausible states, plans with baselines.
        register_demo_step("approvals", DemoStep(load=load_demo_approvals, replanned=replanned_projects))
        # The steps its events record, named in the audit log: an item's actions, and the rest.
        register_event_codes(ItemAction, ApprovalsEvent)
