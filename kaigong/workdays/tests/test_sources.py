"""Schedule files: the CSV and JSON formats and their validation (all or nothing, every problem listed)."""

import datetime as dt
import json

import pytest

from kaigong.workdays.choices import DayKind
from kaigong.workdays.sources import ScheduleFileError, parse_schedule_file, read_chinesecalendar

D = dt.date

CSV_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-08,holiday,春节
2027-02-20,makeup_workday,春节
"""


def test_csv_with_header():
    schedule = parse_schedule_file(CSV_2027.encode(), "2027.csv")
    assert schedule.year == 2027
    assert schedule.holiday_count == 3 and schedule.makeup_workday_count == 1
    assert schedule.days[0].date == D(2027, 1, 1) and schedule.days[0].name == "元旦"
    # 2027-02-06 is a Saturday inside the holiday period: kept, with a note.
    assert [note.params["date"] for note in schedule.notes] == ["2027-02-06"]


def test_csv_chinese_header_kinds_traditional_names_and_gb18030():
    text = "日期,类型,名称\n2027/1/1,放假,元旦\n2027-02-08,法定节假日,春節\n2027-02-20,调休上班日,春節\n"
    schedule = parse_schedule_file(text.encode("gb18030"), "安排.csv")
    assert [(d.date, d.kind, d.name) for d in schedule.days] == [
        (D(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
        (D(2027, 2, 8), DayKind.HOLIDAY, "春节"),
        (D(2027, 2, 20), DayKind.MAKEUP_WORKDAY, "春节"),
    ]


def test_json_list_and_object_with_notice():
    days = [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, {"date": "2027-02-20", "kind": "makeup_workday"}]
    schedule = parse_schedule_file(json.dumps(days).encode(), "2027.json")
    assert schedule.holiday_count == 1 and schedule.makeup_workday_count == 1
    wrapped = {"notice": "国办发明电〔2026〕X号", "days": days}
    schedule = parse_schedule_file(json.dumps(wrapped, ensure_ascii=False).encode())  # sniffed as JSON
    assert schedule.notice == "国办发明电〔2026〕X号"


def _problems(content: str, filename: str = "x.csv") -> list[str]:
    with pytest.raises(ScheduleFileError) as info:
        parse_schedule_file(content.encode(), filename)
    assert "未载入任何日期" in str(info.value)
    return [problem.message for problem in info.value.problems]


def test_every_problem_is_listed():
    problems = _problems(
        "2027-01-01,holiday,元旦\n"
        "2027-13-01,holiday,坏日期\n"
        "2027-02-20,vacation,坏类型\n"
        "2027-02-22,makeup_workday,周一\n"
        "2027-01-01,holiday,重复\n"
    )
    assert problems == [
        "第2行: 日期“2027-13-01”无效,应为 YYYY-MM-DD",
        "第3行: 类型“vacation”无效,应为 holiday 或 makeup_workday",
        "第4行: 调休上班日2027-02-22不是周六或周日",
        "第5行: 日期2027-01-01与第1行重复",
    ]


def test_dates_must_be_in_one_year():
    problems = _problems("2026-12-31,holiday,x\n2027-01-01,holiday,元旦\n")
    assert problems == ["文件中的日期须在同一年内,实际跨2026、2027年"]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        ("", "x.csv", "文件中没有任何日期"),
        ("date,kind,name\n", "x.csv", "文件中没有任何日期"),
        ('[{"date": "2027-01-01",', "x.json", "JSON 格式有误"),
        ('{"days": 3}', "x.json", "JSON 应为日期对象的列表"),
        ("1800-01-01,holiday,x\n", "x.csv", "年份须在1949至2100之间"),
    ],
)
def test_bad_files(content, filename, expected):
    assert expected in _problems(content, filename)[0]


def test_chinesecalendar_reader_uses_the_package_tables():
    (schedule,) = read_chinesecalendar([2025])
    names = {day.date: (day.kind, day.name) for day in schedule.days}
    assert names[D(2025, 1, 28)] == (DayKind.HOLIDAY, "春节")
    assert names[D(2025, 1, 26)] == (DayKind.MAKEUP_WORKDAY, "春节")
    assert names[D(2025, 10, 6)] == (DayKind.HOLIDAY, "中秋")
    assert schedule.holiday_count == 28 and schedule.makeup_workday_count == 5
