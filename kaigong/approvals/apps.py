from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """一项目一清单: the approval catalogue, the rules that pick a project's matters, checklists and their clocks."""

    name = "kaigong.approvals"
    label = "approvals"
    verbose_name = "前期手续"
