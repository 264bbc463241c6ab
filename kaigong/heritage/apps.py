from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HeritageConfig(AppConfig):
    """文物保护: heritage sites and their construction control zones (建设控制地带), and the heritage approval chain."""

    name = "kaigong.heritage"
    label = "heritage"
    verbose_name = "文物保护"

    def ready(self):
        from kaigong.approvals.rules import BOOLEAN, Attribute, register_attribute
        from kaigong.audit.events import register_event_codes
        from kaigong.heritage.choices import HeritageEvent
        from kaigong.heritage.demo import load_demo_part
        from kaigong.heritage.selectors import department_routing_reach, project_in_control_zone
        from kaigong.heritage.services import follow_moved_projects
        from kaigong.projects.changes import register_project_change_handler
        from kaigong.projects.demo import DemoStep, register_demo_step
        from kaigong.projects.scoping import register_department_reach

        # The heritage department reads the projects whose heritage routing it records (issue 8 §4).
        register_department_reach("heritage.routing", department_routing_reach)
        # A project that moved into or out of a control zone has its routing follow.
        register_project_change_handler("heritage.routing", follow_moved_projects)
        # The checklist rules may ask whether a project lies in a construction control zone (建设控制地带).
        register_attribute(
            "in_heritage_control_zone",
            Attribute(_("位于文物建设控制地带"), BOOLEAN, project_in_control_zone),
        )
        # Its part of the demo city: the illustrative site and its control zone.
        register_demo_step("heritage", DemoStep(load=load_demo_part))
        # The steps its events record, named in the audit log.
        register_event_codes(HeritageEvent)
