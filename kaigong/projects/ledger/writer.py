"""Writing a checked ledger sheet: all rows or none, in one transaction. All the ledger's bulk SQL is here.

After checking that no matched project changed since the check (optimistic concurrency), the writer registers the
new owners (``accounts.services.create_organization`` / ``update_organization``), then creates and updates the projects.
This is a bulk path (a sheet of 10k rows must import in seconds): new projects go in with one COPY (PostgreSQL) or
a few multi-row INSERTs (SQLite), changed ones with one executemany, and ``record_events`` writes one audit event
per project in the same transaction, plus one event summarising the file. Stage moves go through
``services.change_project_stage``; the projects that changed are announced on ``projects.changes``.
"""

import sqlite3
from collections.abc import Callable

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.accounts import services as accounts_services
from kaigong.accounts.models import Organization
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event, record_events
from kaigong.core.exceptions import KaigongError
from kaigong.core.text import dictionary_key
from kaigong.projects import services
from kaigong.projects.changes import announce_projects_changed
from kaigong.projects.choices import STAGES_NEEDING_REASON, LedgerEvent, Stage
from kaigong.projects.ledger.bulk import ProgressCallback, chunks, without_cycle_collection
from kaigong.projects.ledger.checker import LedgerResult, RowPlan
from kaigong.projects.ledger.columns import FK_FIELDS
from kaigong.projects.ledger.owners import NewOwner
from kaigong.projects.models import Project
from kaigong.projects.rules import AUDITED_ROW_FIELDS, audited_value, prepare_update, stage_effects

AUDIT_FIELDS = AUDITED_ROW_FIELDS
IMPORT_REASON = "台账导入"  # the reason a sheet's 暂停/退库 records: a sheet gives none


class LedgerWriter:
    """Writes a checked sheet on behalf of ``actor`` (a User, or None with an ``actor_label`` for a command)."""

    def __init__(self, *, actor=None, actor_label: str = "", filename: str = ""):
        self.actor = actor
        self.actor_label = actor_label
        self.filename = filename

    @without_cycle_collection
    def write(self, result: LedgerResult, *, progress: ProgressCallback | None = None) -> LedgerResult:
        """Write a checked sheet: all rows or none. Raises KaigongError if the check found problems."""
        if result.problems:
            raise KaigongError(gettext_noop("台账存在问题,未导入"))
        note = self.filename  # the step is the code (LedgerEvent.IMPORT); the note names the file
        now = timezone.now()
        with transaction.atomic():
            self._verify_unchanged(result)
            registered: dict[str, Organization] = {}  # by credit code, and by "name:" + name key
            for owner in result.new_owners:
                organization = self._register_owner(owner)
                if owner.credit_code:
                    registered[owner.credit_code] = organization
                registered.setdefault("name:" + dictionary_key(owner.name), organization)
            for plan in result.plans:
                if plan.new_owner:
                    code, name = plan.new_owner
                    plan.data["owner"] = registered[code or "name:" + dictionary_key(name)]
            creates = [p for p in result.plans if p.creating]
            updates = [p for p in result.plans if not p.creating]
            self._create(creates, note, now)
            changed = self._update(updates, note, now)
            result.created = len(creates)
            result.updated = changed
            result.unchanged = len(updates) - changed
            record_event(
                action=AuditAction.IMPORT,
                actor=self.actor,
                actor_label=self.actor_label,
                changes={
                    "file": self.filename,
                    "rows": result.total_rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
                code=LedgerEvent.IMPORT,
                note=note,
            )
            result.written = True
        if progress:
            progress(result.total_rows, result.total_rows)
        return result

    def _verify_unchanged(self, result: LedgerResult) -> None:
        """Refuse to write over a project someone changed since the check (optimistic concurrency)."""
        planned = {p.project.pk: p.version for p in result.plans if p.project is not None}
        ids = sorted(planned)
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            current = dict(Project.objects.select_for_update().filter(pk__in=chunk).values_list("id", "version"))
            for pk in chunk:
                if current.get(pk) != planned[pk]:
                    raise KaigongError(gettext_noop("检查之后有项目被他人修改或删除,请重新检查台账"))
        codes = [p.data["project_code"] for p in result.plans if p.creating and p.data.get("project_code")]
        for start in range(0, len(codes), 2000):
            if Project.objects.filter(project_code__in=codes[start : start + 2000]).exists():
                raise KaigongError(gettext_noop("检查之后有项目代码被其他项目使用,请重新检查台账"))

    def _event(self, action: str, project: Project, changes: dict, note: str) -> dict:
        return {
            "action": action,
            "actor": self.actor,
            "actor_label": self.actor_label,
            "obj": project,
            "project": project,
            "changes": changes,
            "code": LedgerEvent.IMPORT,
            "note": note,
        }

    def _create(self, plans: list[RowPlan], note: str, now) -> None:
        if not plans:
            return
        new = Project()
        defaults = {f.attname: getattr(new, f.attname) for f in _CONCRETE_FIELDS} | dict.fromkeys(FK_FIELDS)
        projects = [self._new_project(plan, defaults) for plan in plans]
        _insert_projects(projects, now)
        record_events([self._event(AuditAction.CREATE, project, _created(project), note) for project in projects])

    def _new_project(self, plan: RowPlan, defaults: dict) -> "_NewProject":
        project = _NewProject(defaults, plan.data)
        project.project_code = (project.project_code or "").strip()
        project.refresh_search_text()
        if plan.stage:
            # The project's current position, registered as it is (not a move: nothing to transition from), with
            # the dates and pool the services' rules give a project at that stage (rules.stage_effects).
            effects = stage_effects(
                project,
                from_stage=None,
                to_stage=plan.stage,
                effective=plan.actual_start_date,
                reason=IMPORT_REASON,
                pool_named="pool" in plan.data,
            )
            project.__dict__.update(effects)  # stage-write: a new project registered at its current stage, audited
        return project

    def _update(self, plans: list[RowPlan], note: str, now) -> int:
        changed_projects = []
        events = []
        stage_moves = []
        fields: set[str] = set()
        for plan in plans:
            project = plan.project
            # The row's fields set as update_project sets them, the audit changes of those (rules.prepare_update).
            changes, searched_changed = prepare_update(project, plan.data)
            if changes:
                if searched_changed:
                    project.refresh_search_text()
                project.version += 1
                project.updated_at = now
                fields.update(plan.data)
                changed_projects.append(project)
                events.append(self._event(AuditAction.IMPORT, project, changes, note))
            if plan.stage and plan.stage != project.stage:
                stage_moves.append(plan)
        if changed_projects:
            _bulk_save(changed_projects, sorted(fields | {"version", "updated_at", "search_text"}))
            record_events(events)
        moved = set()
        for plan in stage_moves:
            effective = plan.actual_start_date if plan.stage == Stage.STARTED else None
            reason = IMPORT_REASON if plan.stage in STAGES_NEEDING_REASON else ""
            services.change_project_stage(
                project=plan.project,
                stage=plan.stage,
                actor=self.actor,
                actor_label=self.actor_label,
                reason=reason,
                effective_date=effective,
            )
            moved.add(plan.project.pk)
        # What the apps built on projects derive from these attributes follows (the checklist 一清单, …), as after
        # update_project: one announcement for the batch, so a handler reads its rules once.
        announce_projects_changed(
            projects=changed_projects,
            fields={event["project"].pk: event["changes"].keys() for event in events},
            actor=self.actor,
            actor_label=self.actor_label,
        )
        return len({p.pk for p in changed_projects} | moved)

    def _register_owner(self, owner: NewOwner) -> Organization:
        """Create the organization (without a code when the sheet gives none), or complete the code of the one of
        that name registered without it."""
        if owner.existing is not None:
            org = Organization.objects.select_for_update().filter(pk=owner.existing.pk).first()
            if org is not None and not org.credit_code:
                return accounts_services.update_organization(
                    organization=org,
                    data={"credit_code": owner.credit_code},
                    actor=self.actor,
                    actor_label=self.actor_label,
                )
        return accounts_services.create_organization(
            data={"name": owner.name, "credit_code": owner.credit_code or None},
            actor=self.actor,
            actor_label=self.actor_label,
        )


def _created(project: "_NewProject") -> dict:
    """The changes a create event records (as services.create_project does): each audited field that has a value,
    from nothing. The audit snapshot, read straight from the attributes (a new row has no investors)."""
    changes = {}
    for name in AUDIT_FIELDS:
        value = audited_value(getattr(project, name))
        if value not in (None, "", []):
            changes[name] = [None, value]
    return changes


class _NewProject:
    """A project the import creates, as plain attributes over a new Project's defaults: what
    Project.refresh_search_text, str(), the audit snapshot and record_events read from an instance, without the
    cost of building one (about 45 µs each: half a second for 10k rows). _insert_projects writes it."""

    _meta = Project._meta
    refresh_search_text = Project.refresh_search_text
    __str__ = Project.__str__

    def __init__(self, defaults: dict, data: dict):
        values = {**defaults, **data}
        for name in FK_FIELDS:
            if values[name] is not None:
                values[f"{name}_id"] = values[name].pk
        self.__dict__.update(values)


_CONCRETE_FIELDS = [f for f in Project._meta.concrete_fields if not f.primary_key]
# Python values the database drivers take as they are, by field type: Field.get_db_prep_save returns them
# unchanged, so it is called only for the others (dates on SQLite, decimals, JSON …).
_PASSED_AS_IS = {
    "CharField": str,
    "TextField": str,
    "IntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "BigIntegerField": int,
    "BooleanField": bool,
    "ForeignKey": int,
}


def _db_values(model_fields: list, connection) -> Callable[[object], list]:
    """A function giving an object's values for ``model_fields`` as the database takes them (what save() sends)."""
    prepared = [
        (
            model_field.attname,
            _PASSED_AS_IS.get(model_field.get_internal_type()),
            model_field.get_db_prep_save(None, connection) is None,
            model_field.get_db_prep_save,
        )
        for model_field in model_fields
    ]

    last = [(None, None)] * len(prepared)  # per column, the last value prepared and the result: `now`, defaults

    def values(obj) -> list:
        attributes = obj.__dict__
        row = []
        for index, (name, plain, none_as_is, prep) in enumerate(prepared):
            value = attributes[name]
            if not ((value is None and none_as_is) or type(value) is plain):
                if value is last[index][0]:
                    value = last[index][1]
                else:
                    prepared_value = prep(value, connection)
                    last[index] = (value, prepared_value)
                    value = prepared_value
            row.append(value)
        return row

    return values


def _insert_projects(projects: list[_NewProject], now) -> None:
    """INSERT the new projects and give each its id: on PostgreSQL ids from the table's sequence and one COPY; on
    SQLite multi-row INSERT … RETURNING id, as many rows a statement as its parameter limit allows. Django's
    bulk_create takes three (PostgreSQL) to five (SQLite) times as long for 10k projects: it prepares every value
    through several layers, and caps SQLite statements at 999 parameters."""
    connection = connections[Project.objects.db]
    for project in projects:
        project.created_at = project.updated_at = now  # auto_now_add / auto_now, as save() sets them
    quote = connection.ops.quote_name
    table, pk = Project._meta.db_table, Project._meta.pk
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(projects)],
            )
            for project, (new_id,) in zip(projects, sorted(cursor.fetchall()), strict=True):
                project.pk = project.id = new_id
            row = _db_values([pk, *_CONCRETE_FIELDS], connection)
            columns = ", ".join(quote(f.column) for f in [pk, *_CONCRETE_FIELDS])
            with connection.wrap_database_errors, cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
                for project in projects:
                    copy.write_row(row(project))
            return
        row = _db_values(_CONCRETE_FIELDS, connection)
        columns = ", ".join(quote(f.column) for f in _CONCRETE_FIELDS)
        placeholders = "(" + ", ".join(["%s"] * len(_CONCRETE_FIELDS)) + ")"
        sql = f"INSERT INTO {quote(table)} ({columns}) VALUES "  # names from the model, values as parameters
        if not connection.features.can_return_rows_from_bulk_insert:
            for project in projects:
                cursor.execute(sql + placeholders, row(project))
                project.pk = project.id = cursor.lastrowid
            return
        per_statement = max(1, min(1000, _max_parameters(connection) // len(_CONCRETE_FIELDS)))
        for chunk in chunks(projects, per_statement):
            cursor.execute(
                sql + ", ".join([placeholders] * len(chunk)) + f" RETURNING {quote(pk.column)}",
                [value for project in chunk for value in row(project)],
            )
            for project, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                project.pk = project.id = new_id


def _max_parameters(connection) -> int:
    """How many parameters one statement may bind (SQLite: this build's limit, often far above Django's 999)."""
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python before 3.11, or not SQLite
        return connection.features.max_query_params or 999


def _bulk_save(projects: list[Project], fields: list[str]) -> None:
    """UPDATE each project's ``fields`` in one executemany: Django's bulk_update builds CASE expressions that
    SQLite evaluates slowly (20 s for 10k rows), while executemany runs the same statement per row in C
    (SQLite) or pipelined (psycopg). Values go through each field's get_db_prep_save, as save() does."""
    connection = connections[Project.objects.db]
    model_fields = [Project._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    sql = (
        f"UPDATE {quote(Project._meta.db_table)} SET {assignments} "  # table and column names come from the model
        f"WHERE {quote(Project._meta.pk.column)} = %s"
    )
    values = _db_values(model_fields, connection)
    params = [[*values(p), p.pk] for p in projects]
    with connection.cursor() as cursor:
        for chunk in chunks(params, 1000):
            cursor.executemany(sql, chunk)
