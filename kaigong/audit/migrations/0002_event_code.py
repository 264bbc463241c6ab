"""Events get a typed step code (issue 9 §7). Events recorded before kept the step at the start of the note
("request_correction: 材料不全", "reply: approved", "台账导入: file.xlsx") and commands named themselves in two
ways ("kaigong approvals seed", "命令 load-demo"). This moves each step into ``code`` and the rest of the note
stays the note, and names every command "命令 …". Nothing else of an event changes; reversible.

The codes are frozen here as they were on 2026-12-04 (a migration must not import the apps' enums)."""

from django.conf import settings
from django.db import migrations, models

# Step codes written at the start of notes before this migration → the code they become.
OLD_CODES = {
    **{code: code for code in (
        "prepare", "submit", "withdraw", "accept", "request_correction", "resume", "decide",
        "mark_not_applicable", "waive", "reinstate", "regenerate", "seed", "recompute", "baseline",
        "import", "forward",
    )},
    "chain changed": "chain_changed",
    "reply: approved": "reply_approved",
    "reply: conditional": "reply_conditional",
    "reply: refused": "reply_refused",
    "reply: returned": "reply_returned",
    "台账导入": "ledger_import",
}
NEW_TO_OLD = {new: old for old, new in OLD_CODES.items()}


def split(note: str) -> tuple[str, str]:
    if note.startswith("台账导出 ") and ": " in note:  # "台账导出 12 个项目: title" (the count is in the changes)
        return "ledger_export", note.partition(": ")[2]
    if note in OLD_CODES:
        return OLD_CODES[note], ""
    for old, new in sorted(OLD_CODES.items(), key=lambda pair: -len(pair[0])):
        if note.startswith(old + ": "):
            return new, note[len(old) + 2 :]
    return "", note


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for event in AuditEvent.objects.only("pk", "note", "actor_label").iterator():
        code, note = split(event.note)
        label = event.actor_label
        if label.startswith("kaigong "):
            label = "命令 " + label[len("kaigong ") :]
        if code or label != event.actor_label:
            AuditEvent.objects.filter(pk=event.pk).update(code=code, note=note, actor_label=label)


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for event in AuditEvent.objects.exclude(code="").only("pk", "code", "note").iterator():
        if event.code == "ledger_export":
            AuditEvent.objects.filter(pk=event.pk).update(note=f"台账导出: {event.note}"[:500])
            continue
        old = NEW_TO_OLD.get(event.code, event.code)
        note = f"{old}: {event.note}" if event.note else old
        AuditEvent.objects.filter(pk=event.pk).update(note=note[:500])


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('projects', '0007_dictionary_aliases'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='code',
            field=models.CharField(blank=True, help_text='事件的步骤代码(各应用登记,见 audit/events.py)', max_length=40, verbose_name='步骤'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['code', '-occurred_at'], name='audit_code_time_idx'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
