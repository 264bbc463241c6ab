from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """一项目一清单: the approval catalogue, the rules that pick a project's matters, checklists and their clocks."""

    name = "kaigong.approvals"
    label = "approvals"
    verbose_name = "前期手续"

    def ready(self):
        from kaigong.approvals.models import department_items_reach
        from kaigong.projects.scoping import register_department_reach

        # A department reads the projects on which it approves a checklist item (issue 8 §4).
        register_department_reach("approvals.items", department_items_reach)
