"""Stages and statuses change only in services (STYLE.md; Zulip's linter idea): a grep over the source tree.

Any ``x.stage = …`` / ``x.status = …`` assignment (or ``setattr(x, "stage", …)``) outside a ``services.py``
file, tests and migrations fails this test. Writing one elsewhere bypasses the transitions table and the audit
trail. If a line really is not a transition (say, an in-memory copy used only for validation), mark it with a
trailing ``# stage-write: <why>`` comment so the exception is visible and reviewed.
"""

import re
from pathlib import Path

import kaigong

SOURCE = Path(kaigong.__file__).resolve().parent
ASSIGNMENT = re.compile(
    r"""\.(stage|status)\s*=(?!=)"""  # attribute assignment, not comparison
    r"""|setattr\(\s*[^,]+,\s*["'](stage|status)["']"""
)
PRAGMA = re.compile(r"#\s*stage-write:\s*\S")


def exempt(path: Path) -> bool:
    parts = path.relative_to(SOURCE).parts
    return path.name == "services.py" or "tests" in parts or "migrations" in parts


def stage_writes_outside_services(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if exempt(path):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0] if not PRAGMA.search(line) else ""
            if ASSIGNMENT.search(code):
                found.append(f"{path.relative_to(SOURCE.parent)}:{number}: {line.strip()}")
    return found


def test_stage_and_status_are_written_only_in_services():
    found = stage_writes_outside_services(SOURCE)
    assert not found, (
        "Stage/status written outside services.py (use the service, or mark a non-transition with "
        "'# stage-write: <why>'):\n" + "\n".join(found)
    )


def test_the_grep_finds_what_it_is_meant_to_find(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "views").mkdir(parents=True)
    (package / "tests").mkdir()
    (package / "views" / "bad.py").write_text(
        "project.stage = 'started'\n"
        "item.status='done'\n"
        "setattr(project, 'stage', value)\n"
        "if project.stage == 'started': pass\n"
        "ok.stage = x  # stage-write: in-memory copy for validation\n"
        "# project.stage = 'in a comment'\n"
        "x.stages = []\n",
        encoding="utf-8",
    )
    (package / "services.py").write_text("project.stage = stage\n", encoding="utf-8")
    (package / "tests" / "test_x.py").write_text("project.stage = stage\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.SOURCE", package)
    found = stage_writes_outside_services(package)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3"]
