from django.apps import AppConfig


class HeritageConfig(AppConfig):
    """文物保护: heritage sites and their construction control zones (建设控制地带), and the heritage approval chain."""

    name = "kaigong.heritage"
    label = "heritage"
    verbose_name = "文物保护"

    def ready(self):
        from kaigong.heritage.selectors import department_routing_reach
        from kaigong.projects.scoping import register_department_reach

        # The heritage department reads the projects whose heritage routing it records (issue 8 §4).
        register_department_reach("heritage.routing", department_routing_reach)
