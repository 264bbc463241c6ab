"""Admin for the dictionaries (categories, levels, with the aliases the importer matches), saved through the
services: each change is audited, and a renamed entry keeps its former name as an alias so the ledgers that still
use it go on importing. Projects, stage changes and batches are shown read-only: their changes go through the
pages and services so they are versioned and audited."""

from django.contrib import admin

from kaigong.core.admin import AdministratorOnlyAdmin, form_data
from kaigong.projects import services
from kaigong.projects.models import (
    BatchMembership,
    Category,
    GroundbreakingBatch,
    LedgerImport,
    Level,
    Project,
    StageChange,
)


class DictionaryAdmin(AdministratorOnlyAdmin, admin.ModelAdmin):
    """A category or level: created, changed (on its page or in the list) and deleted through the services."""

    def save_model(self, request, obj, form, change):
        data = form_data(self.model, form)
        if change:
            entry = self.model.objects.get(pk=obj.pk)
            services.update_dictionary_entry(entry=entry, data=data, actor=request.user)
        else:
            obj.pk = services.create_dictionary_entry(model=self.model, data=data, actor=request.user).pk

    def delete_model(self, request, obj):
        services.delete_dictionary_entry(entry=obj, actor=request.user)


@admin.register(Category)
class CategoryAdmin(DictionaryAdmin):
    list_display = ["name", "code", "aliases", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "code", "aliases"]


@admin.register(Level)
class LevelAdmin(DictionaryAdmin):
    list_display = ["name", "code", "aliases", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code", "aliases"]


class ReadOnlyAdmin(AdministratorOnlyAdmin, admin.ModelAdmin):
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
