"""What every Kaigong admin (/admin/) shares: the site is the system administrator's, and its writes go through the
services, so each one is audited like a change made on a page."""

from django.db import models


class AdministratorOnlyAdmin:
    """Mixed into a ModelAdmin (before it): a staff account of any other role sees nothing of the model, whatever
    Django permissions it was given; and the bulk action "delete selected", which deletes past the services and
    their audit, is not offered (delete one entry at a time, through ``delete_model``)."""

    def _is_administrator(self, request) -> bool:
        user = request.user
        return user.is_active and bool(getattr(user, "is_kaigong_admin", False))

    def has_module_permission(self, request):
        return self._is_administrator(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_administrator(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._is_administrator(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._is_administrator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_administrator(request) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def form_data(model: type[models.Model], form) -> dict:
    """The model's editable fields a (possibly partial: the change list's list_editable) admin form cleaned, as a
    service takes them."""
    names = {
        f.name for f in [*model._meta.concrete_fields, *model._meta.many_to_many] if f.editable and not f.primary_key
    }
    return {name: value for name, value in form.cleaned_data.items() if name in names}


def _restrict_task_results() -> None:
    """The background tasks' results (django_tasks_db, read-only already) are the administrator's to read, like
    every other model of the site: another staff account with Django permissions sees nothing of them."""
    from django.contrib import admin
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult

    class TaskResultAdmin(AdministratorOnlyAdmin, DBTaskResultAdmin):
        pass

    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, TaskResultAdmin)


_restrict_task_results()
