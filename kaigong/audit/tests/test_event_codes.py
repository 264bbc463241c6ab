"""Audit events speak one language: steps are typed codes shown by their names, system actors one form (issue 9 §7)."""

import re
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import TextChoices
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.audit import events
from kaigong.audit.choices import AuditAction
from kaigong.audit.events import command_actor, event_label, register_event_codes, routing_actor
from kaigong.audit.models import AuditEvent
from kaigong.audit.services import record_event, record_events
from kaigong.heritage.choices import HeritageEvent, Opinion
from kaigong.projects.tests.factories import ProjectFactory

SOURCE = Path(__file__).resolve().parents[2]  # the kaigong package


def _recorded(project, code="", note="", actor_label="test"):
    return record_event(
        action=AuditAction.UPDATE, actor_label=actor_label, obj=project, project=project, code=code, note=note
    )


def _notes(body: str) -> list[str]:
    return [note.strip() for note in re.findall(r'<p class="note">(.*?)</p>', body, flags=re.DOTALL)]


@pytest.mark.django_db
def test_the_audit_log_and_the_history_name_the_step_and_keep_the_note(login, users):
    """The step by its name, then the free-text note; never the code itself."""
    project = ProjectFactory(name="文物测试项目")
    _recorded(project, code=HeritageEvent.REPLY_RETURNED, note="补充考古勘探报告")
    _recorded(project, code=HeritageEvent.FORWARD)
    _recorded(project, note="台账导入: 县区台账.xlsx")  # free text stays as written

    audit_log = login(users[Role.ADMIN]).get(reverse("audit:log")).content.decode()
    history = login(users[Role.OFFICE]).get(reverse("projects:detail", args=[project.pk])).content.decode()
    for body in (audit_log, history):
        notes = _notes(body)
        assert any(note.endswith("答复：退回补充：补充考古勘探报告") for note in notes), notes
        assert any(note.endswith("报送") for note in notes), notes
        assert any(note.endswith("台账导入: 县区台账.xlsx") for note in notes), notes
        assert not any("reply_returned" in note or "forward" in note for note in notes)


@pytest.mark.django_db
def test_steps_and_command_actors_read_in_english(login, users):
    """(The English names come from the catalogue: "答复：同意" is "Reply: approved".)"""
    project = ProjectFactory()
    _recorded(project, code=HeritageEvent.REPLY_APPROVED, note="seal missing", actor_label=command_actor("heritage"))
    client = login(users[Role.ADMIN])
    client.cookies["django_language"] = "en"
    body = client.get(reverse("audit:log")).content.decode()
    assert _notes(body) == ["Reply: approved: seal missing"]
    assert "命令" not in body and "command heritage" in body


def test_command_and_routing_actors_have_one_stored_form():
    assert command_actor("load-demo") == "命令 load-demo"
    assert routing_actor("张三") == "文物审批流转 · 张三"
    assert events.actor_display("命令 load-demo")  # shown, whatever the language
    assert events.actor_display("张三") == "张三"  # a person's name as written


def test_each_heritage_reply_has_its_step():
    for opinion in Opinion:
        assert str(opinion.label) in event_label(HeritageEvent.reply(opinion))


@pytest.mark.django_db
def test_an_unregistered_code_is_refused_by_both_writers():
    project = ProjectFactory()
    with transaction.atomic():
        with pytest.raises(ValueError, match="unregistered"):
            _recorded(project, code="made_up_step")
        with pytest.raises(ValueError, match="unregistered"):
            record_events([{"action": AuditAction.UPDATE, "obj": project, "code": "made_up_step"}])
    assert not AuditEvent.objects.filter(code="made_up_step").exists()


def test_a_code_means_one_step_wherever_it_is_registered():
    class Same(TextChoices):
        FORWARD = "forward", HeritageEvent.FORWARD.label

    class Clash(TextChoices):
        FORWARD = "forward", "转发"

    register_event_codes(Same)  # the same name again: fine
    with pytest.raises(ValueError, match="already registered"):
        register_event_codes(Clash)


def test_no_service_writes_a_step_into_the_note():
    """Steps go in ``code=``; a note that is a bare code (note="recompute", note=f"reply: {x}") is the old way."""
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'(?:\bnote=|"note":\s*)f?"([a-z_ ]+)(?:"|: )', text):
            offenders.append(f"{path.relative_to(SOURCE)}: {match.group(0)}")
    assert offenders == []
