"""Steps named in events' notes are shown by their names, never by the codes services record (issue 8 §7)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.approvals.choices import ItemAction
from kaigong.audit.choices import AuditAction, AuditNote
from kaigong.audit.services import record_event
from kaigong.heritage.choices import Opinion
from kaigong.projects.tests.factories import ProjectFactory

SOURCE = Path(__file__).resolve().parents[2]  # the kaigong package


def _recorded(project, note):
    record_event(action=AuditAction.UPDATE, actor_label="test", obj=project, project=project, note=note)


@pytest.mark.django_db
def test_audit_log_and_history_name_the_steps(login, users):
    project = ProjectFactory(name="补正测试项目")
    for note in [
        "submit",
        "request_correction: 材料不全，请补充授权委托书",
        "reply: approved",
        "台账导入: 县区台账.xlsx",
    ]:
        _recorded(project, note)

    audit_log = login(users[Role.ADMIN]).get(reverse("audit:log")).content.decode()
    project_page = login(users[Role.OFFICE]).get(reverse("projects:detail", args=[project.pk])).content.decode()
    for body in (audit_log, project_page):
        notes = re.findall(r'<p class="note">(.*?)</p>', body, flags=re.DOTALL)
        assert any(note.endswith("申报") for note in notes), notes
        assert any(note.endswith("要求补正：材料不全，请补充授权委托书") for note in notes)
        assert any(note.endswith("答复：同意") for note in notes)
        assert any(note.endswith("台账导入: 县区台账.xlsx") for note in notes)  # free text stays as written
        assert not any(code in body for code in ("request_correction", ">submit<", "reply: approved"))


@pytest.mark.django_db
def test_a_step_in_english(login, users):
    project = ProjectFactory()
    _recorded(project, "request_correction: missing seal")
    client = login(users[Role.ADMIN])
    client.cookies["django_language"] = "en"
    body = client.get(reverse("audit:log")).content.decode()
    assert "request_correction" not in body and "missing seal" in body


def _codes_in_source() -> set[str]:
    """The codes services write into notes: literal notes of lower-case ASCII words, and the prefix of an f-string
    note such as f"import: {source_name}" (free text in Chinese is not a code)."""
    codes = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for literal in re.findall(r'(?:\bnote=|"note":\s*)"([^"]*)"', text):
            if re.fullmatch(r"[a-z_ ]+", literal):
                codes.add(literal)
        for prefix in re.findall(r'(?:\bnote=|"note":\s*)f"([a-z_ ]+): ', text):
            codes.add(prefix)
    return codes


def test_every_step_recorded_in_the_code_base_has_a_name():
    codes = _codes_in_source()
    assert {"recompute", "forward", "import", "reply", "seed"} <= codes, "the scan finds the notes services write"
    # Checklist items record their action (f"{action}: {reason}"), heritage replies their opinion.
    codes |= set(ItemAction.values) | {f"reply: {opinion}" for opinion in Opinion.values}
    named = set(AuditNote.values)
    assert codes - named == set(), "name these steps in kaigong.audit.choices.AuditNote"


def test_item_steps_are_named_as_the_item_actions():
    for action in ItemAction:
        assert str(AuditNote(action.value).label) == str(action.label)
    for opinion in Opinion:
        assert str(opinion.label) in str(AuditNote(f"reply: {opinion.value}").label)
