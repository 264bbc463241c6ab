from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """The project registry: projects, their stages and pools, categories, levels, groundbreaking batches."""

    name = "kaigong.projects"
    label = "projects"
    verbose_name = _("重点项目")
