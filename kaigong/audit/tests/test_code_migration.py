"""Migration audit 0002 moves the steps old events wrote into their notes into the code (issue 9 §7)."""

import importlib

import pytest

migration = importlib.import_module("kaigong.audit.migrations.0002_event_code")


@pytest.mark.parametrize(
    ("note", "code", "rest"),
    [
        ("submit", "submit", ""),
        ("request_correction: 材料不全: 缺公章", "request_correction", "材料不全: 缺公章"),
        ("reply: approved", "reply_approved", ""),
        ("reply: returned: 补充考古勘探报告", "reply_returned", "补充考古勘探报告"),
        ("chain changed", "chain_changed", ""),
        ("import: jin.geojson", "import", "jin.geojson"),
        ("台账导入: 县区台账.xlsx", "ledger_import", "县区台账.xlsx"),
        ("台账导入", "ledger_import", ""),
        ("台账导出 12 个项目: 2024年重点项目台账", "ledger_export", "2024年重点项目台账"),
        ("消防审查延期", "", "消防审查延期"),  # free text stays the note
        ("集中开工", "", "集中开工"),
        ("", "", ""),
    ],
)
def test_old_notes_split_into_code_and_text(note, code, rest):
    assert migration.split(note) == (code, rest)


def test_every_old_step_becomes_a_registered_code():
    from kaigong.audit.events import is_event_code

    assert all(is_event_code(code) for code in migration.OLD_CODES.values())
