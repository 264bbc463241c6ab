from django.apps import AppConfig


class HeritageConfig(AppConfig):
    """文物保护: heritage sites and their construction control zones (建设控制地带), and the heritage approval chain."""

    name = "kaigong.heritage"
    label = "heritage"
    verbose_name = "文物保护"
