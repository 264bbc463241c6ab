"""Admin for the dictionaries (categories, levels, with the aliases the importer matches). Projects, stage changes
and batches are shown read-only: their changes go through the pages and services so they are versioned and audited."""

from django.contrib import admin

from kaigong.projects.models import (
    BatchMembership,
    Category,
    GroundbreakingBatch,
    LedgerImport,
    Level,
    Project,
    StageChange,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "aliases", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "code", "aliases"]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "aliases", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code", "aliases"]


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["name", "project_code", "category", "stage", "year", "total_investment", "version"]
    list_filter = ["stage", "category", "year", "pool"]
    search_fields = ["name", "project_code", "search_text"]
    list_select_related = ["category"]
    show_full_result_count = False


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["project", "from_stage", "to_stage", "effective_date", "actor", "created_at"]
    list_filter = ["to_stage"]
    list_select_related = ["project", "actor"]


class BatchMembershipInline(admin.TabularInline):
    model = BatchMembership
    fields = ["project", "featured_order", "site"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GroundbreakingBatch)
class GroundbreakingBatchAdmin(ReadOnlyAdmin):
    list_display = ["name", "date", "main_site"]
    inlines = [BatchMembershipInline]


@admin.register(LedgerImport)
class LedgerImportAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "status", "uploaded_by", "created_at", "created_count", "updated_count"]
    list_filter = ["status"]
    exclude = ["problems"]
