from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """The project registry: projects, their stages and pools, categories, levels, groundbreaking batches."""

    name = "kaigong.projects"
    label = "projects"
    verbose_name = "重点项目"
