"""kaigong workdays add / count / is-workday / load / seed, through call_command."""

import datetime as dt
import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from kaigong.audit.models import AuditEvent
from kaigong.workdays.calendar import add_workdays
from kaigong.workdays.models import CalendarYear

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("add", "2024-02-09", "1"), "2024-02-18"),
        (("add", "2025-01-27", "4"), "2025-02-08"),
        (("add", "2025-09-30", "1"), "2025-10-09"),
        (("add", "2025-10-09", "-1"), "2025-09-30"),
        (("add", "2025-03-03", "20", "--suspend", "2025-03-05,2025-03-11"), "2025-04-08"),
        (("count", "2024-12-31", "2025-12-31"), "248"),
        (("count", "2025-09-26", "2025-10-12"), "6"),
        (("is-workday", "2026-02-28"), "yes"),
        (("is-workday", "2026-02-23"), "no"),
    ],
)
def test_arithmetic(args, expected):
    assert run(*args)[0] == expected


def test_missing_year_fails_with_a_bilingual_message():
    with pytest.raises(CommandError) as info:
        run("add", "2031-05-06", "1")
    assert "2031年的工作日历尚未载入" in str(info.value)
    with pytest.raises(CommandError):
        run("count", "2026-12-01", "2027-01-31")


def test_provisional_answers_and_says_so():
    out, err = run("add", "2026-12-20", "10", "--provisional")
    assert out == "2027-01-01"
    assert "2027年的工作日历尚未载入" in err and "provisional" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2025-02-30", "1"), "日期“2025-02-30”无效"),
        (("count", "2025-01-01", "soon"), "日期“soon”无效"),
        (("add", "2025-03-03", "5", "--suspend", "2025-03-05"), "中止计时时段应写作"),
        (("add", "2025-03-03", "5", "--suspend", "2025-03-09,2025-03-05"), "结束早于开始"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert message in str(info.value)


def test_exit_status_is_non_zero_outside_call_command():
    result = subprocess.run(
        [sys.executable, "-m", "kaigong.manage", "workdays", "add", "2025-02-30", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "日期“2025-02-30”无效" in result.stderr


def test_load_csv_and_json(tmp_path):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n", encoding="utf-8")
    out, err = run("load", str(csv_file))
    assert out == "2027: 2 holidays, 0 make-up workdays"
    assert "2027-02-06" in err  # the weekend holiday note
    assert add_workdays(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)
    assert AuditEvent.objects.get(action="import").actor_label == "命令 workdays"

    json_file = tmp_path / "2027.json"
    json_file.write_text('[{"date": "2027-02-20", "kind": "makeup_workday", "name": "春节"}]', encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run("load", str(json_file))
    assert "已存在" in str(info.value)
    out, _ = run("load", str(json_file), "--replace")
    assert out == "2027: 0 holidays, 1 make-up workdays (replaced 2 days)"


def test_load_bad_or_missing_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,holiday,元旦\n2027-01-04,makeup_workday,x\n2028-01-01,holiday,x\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run("load", str(bad))
    message = str(info.value)
    assert "未载入任何日期" in message and "2027-01-04不是周六或周日" in message and "同一年" in message
    assert not CalendarYear.objects.filter(year__gte=2027).exists()
    with pytest.raises(CommandError) as info:
        run("load", str(tmp_path / "nope.csv"))
    assert "无法读取文件" in str(info.value)


def test_seed():
    CalendarYear.objects.filter(year__in=[2024, 2025]).delete()
    assert run("seed", "2025")[0] == "loaded: 2025"
    assert run("seed")[0] == "loaded: 2024"
    assert run("seed")[0].startswith("loaded: none")
