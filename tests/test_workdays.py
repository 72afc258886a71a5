"""The working-day calendar: Monday–Friday, the agency's holidays off, its 调休 weekend days worked."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from docgen.config import calendar_of, load_agency
from docgen.workdays import DEFAULT, Calendar, add_working_days

D = date.fromisoformat
#: 2025 国庆节、中秋节 (国务院办公厅通知): 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked.
NATIONAL_DAY_2025 = Calendar(holidays={D("2025-10-01") + timedelta(days=n) for n in range(8)},
                             workdays={D("2025-09-28"), D("2025-10-11")})


def test_a_holiday_is_skipped_even_on_a_weekday() -> None:
    assert not NATIONAL_DAY_2025.is_working_day(D("2025-10-08"))  # a Wednesday
    assert NATIONAL_DAY_2025.is_working_day(D("2025-10-09"))
    # Tuesday 09-30 + 1 working day: not 10-01 (holiday) but Thursday 10-09.
    assert NATIONAL_DAY_2025.add_working_days(D("2025-09-30"), 1) == D("2025-10-09")
    assert add_working_days(D("2025-09-30"), 1) == D("2025-10-01")  # the Monday–Friday default


def test_a_tiaoxiu_weekend_day_is_counted() -> None:
    assert NATIONAL_DAY_2025.is_working_day(D("2025-10-11"))  # a Saturday worked
    assert NATIONAL_DAY_2025.is_working_day(D("2025-09-28"))  # a Sunday worked
    assert not NATIONAL_DAY_2025.is_working_day(D("2025-10-12"))
    # Friday 09-26: Sunday 09-28 counts, then 09-29, 09-30, 10-09, 10-10, Saturday 10-11, Monday 10-13.
    assert NATIONAL_DAY_2025.add_working_days(D("2025-09-26"), 1) == D("2025-09-28")
    assert NATIONAL_DAY_2025.add_working_days(D("2025-09-26"), 6) == D("2025-10-11")
    assert NATIONAL_DAY_2025.add_working_days(D("2025-09-26"), 7) == D("2025-10-13")
    assert NATIONAL_DAY_2025.add_working_days(D("2025-09-26"), 0) == D("2025-09-26")


def test_years_the_calendar_does_not_list_fall_back_to_monday_to_friday() -> None:
    assert NATIONAL_DAY_2025.years == {2025}
    for start in (D("2024-09-27") + timedelta(days=n) for n in range(30)):
        for n in (1, 5, 7, 10):
            assert NATIONAL_DAY_2025.add_working_days(start, n) == DEFAULT.add_working_days(start, n)
    assert NATIONAL_DAY_2025.is_working_day(D("2027-10-01"))  # a Friday: 2027's notice is not configured
    assert DEFAULT == Calendar(complete=True) and DEFAULT.years == frozenset()


def test_an_agency_calendar_knows_only_the_years_it_lists() -> None:
    """A year missing from the agency's calendar is unknown (its holidays would count as working days);
    the plain Monday–Friday DEFAULT knows every year by definition."""
    assert NATIONAL_DAY_2025.unknown_years(D("2025-12-20"), D("2026-01-10")) == [2026]
    assert NATIONAL_DAY_2025.unknown_years(D("2025-09-20"), D("2025-10-20")) == []
    assert DEFAULT.unknown_years(D("2025-12-20"), D("2027-01-10")) == []
    assert Calendar.from_config(None).unknown_years(D("2026-01-05"), D("2026-01-05")) == [2026]
    assert NATIONAL_DAY_2025.to_page()["years"] == [2025] and DEFAULT.to_page()["years"] is None


def test_the_shipped_calendar_holds_the_state_council_schedules() -> None:
    calendar = calendar_of(load_agency())
    assert calendar.years == {2025, 2026}
    assert len(calendar.holidays) == 28 + 33
    assert calendar.workdays == {D(d) for d in ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28",
                                                "2025-10-11", "2026-01-04", "2026-02-14", "2026-02-28",
                                                "2026-05-09", "2026-09-20", "2026-10-10")}
    off = [D("2025-01-01"), D("2025-01-28"), D("2025-02-04"), D("2025-04-04"), D("2025-05-05"),
           D("2025-06-02"), D("2025-10-08"), D("2026-01-02"), D("2026-02-23"), D("2026-04-06"),
           D("2026-05-05"), D("2026-06-19"), D("2026-09-25"), D("2026-10-07")]
    assert not any(calendar.is_working_day(day) for day in off)
    assert calendar.is_working_day(D("2025-02-05")) and calendar.is_working_day(D("2026-10-08"))
    assert calendar.to_config() == load_agency()["calendar"]


@pytest.mark.parametrize("config, message", [
    ({"holidays": ["2025-02-30"]}, r"calendar\.holidays\[0\]（放假日期） 2025-02-30 不是有效日期"),
    ({"holidays": ["2025-01-01", "2025/10/01"]}, r"calendar\.holidays\[1\]（放假日期） 应为 YYYY-MM-DD .*'2025/10/01'"),
    ({"workdays": [20250126]}, r"calendar\.workdays\[0\]（调休上班日期） 应为 YYYY-MM-DD"),
    ({"holidays": ["2025-09-28"], "workdays": ["2025-09-28"]}, "2025-09-28 同时列在 holidays"),
    ({"workdays": ["2025-09-29"]}, "2025-09-29 是星期一，本来就是工作日"),
    ({"holidays": "2025-01-01"}, r"calendar\.holidays（放假日期）应为日期数组"),
    ({"holiday": ["2025-01-01"]}, "只含 holidays"),
    (["2025-01-01"], "calendar 应为对象"),
])
def test_a_bad_calendar_is_refused_naming_the_entry(config: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar.from_config(config)


def test_a_holiday_on_a_weekend_is_harmless() -> None:
    calendar = Calendar.from_config({"holidays": ["2025-05-31", "2025-06-01", "2025-06-02"]})  # Sat, Sun, Mon
    assert calendar.add_working_days(D("2025-05-30"), 1) == D("2025-06-03")
    # A profile without a calendar knows no year (party-protecting deadlines are refused), unlike DEFAULT.
    assert Calendar.from_config(None) == Calendar.from_config({}) == Calendar() != DEFAULT


def test_the_agency_file_is_checked_on_load(tmp_path: Path) -> None:
    agency = load_agency()
    path = tmp_path / "agency.json"
    path.write_text(json.dumps({**agency, "calendar": {"holidays": ["2026-10-01"], "workdays": ["2026-10-09"]}},
                               ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match=f"机构配置 {path} 无效：.*2026-10-09 是星期五"):
        load_agency(path)
    path.write_text(json.dumps({key: value for key, value in agency.items() if key != "calendar"},
                               ensure_ascii=False), encoding="utf-8")
    calendar = calendar_of(load_agency(path))  # Monday–Friday, but no year known: deadlines are refused
    assert calendar.holidays == calendar.workdays == frozenset() and not calendar.complete


def test_working_days_between_is_the_inverse_of_adding_them() -> None:
    from datetime import date

    from docgen.workdays import Calendar

    calendar = Calendar(holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
                        workdays=frozenset({date(2026, 10, 10)}))
    start = date(2026, 9, 28)
    for days in range(0, 25):
        assert calendar.working_days_between(start, calendar.add_working_days(start, days)) == days
    assert calendar.working_days_between(start, start) == 0
    assert calendar.working_days_between(start, date(2026, 9, 20)) == 0
