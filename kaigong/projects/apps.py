from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """The project registry: projects, their stages and pools, categories, levels, groundbreaking batches."""

    name = "kaigong.projects"
    label = "projects"
    verbose_name = _("重点项目")

    def ready(self):
        from kaigong.accounts.changes import register_organization_change_handler
        from kaigong.audit.events import register_event_codes
        from kaigong.projects import search
        from kaigong.projects.choices import LedgerEvent
        from kaigong.projects.services import refresh_owner_search_text

        connection_created.connect(search.register_sqlite_function, dispatch_uid="kaigong_bigram_words")
        post_migrate.connect(search.ensure_after_migrate, sender=self, dispatch_uid="kaigong_search_index")
        register_event_codes(LedgerEvent)
        # The owner's name is part of its projects' search text: a rename refreshes it.
        register_organization_change_handler("projects.owner_search_text", refresh_owner_search_text)
