from django.contrib import admin

from kaigong.audit.models import AuditEvent
from kaigong.core.admin import AdministratorOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(AdministratorOnlyAdmin, admin.ModelAdmin):
    """Strictly read-only: audit events cannot be added, changed or deleted from the admin."""

    list_display = ["occurred_at", "action", "actor_display", "object_repr", "project_id"]
    list_filter = ["action", "occurred_at"]
    search_fields = ["object_repr", "actor_label", "actor__username", "note"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor"]
    readonly_fields = [
        "action",
        "occurred_at",
        "actor",
        "actor_label",
        "content_type",
        "object_id",
        "object_repr",
        "project_id",
        "changes",
        "note",
    ]
    fields = readonly_fields
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
