"""Working days (工作日): the unit of most deadlines in enforcement procedure.

A ``Calendar`` counts Monday to Friday, except its ``holidays`` (days off, even
on a weekday), plus its ``workdays`` (weekend days worked in place of a holiday,
调休). The agency configures both as data (``calendar`` in the agency profile,
read by ``Calendar.from_config``), one 国务院办公厅 notice per year.

A year the configuration lists no day of is unknown: ``add_working_days`` counts it
Monday–Friday (a 法制审核 due date there is usually a day or two early around a holiday,
and a day late where the count crosses a 调休 weekend workday but not the holiday), but a deadline that protects the party (``x-docgen-after``) would come
out too short, so ``unknown_years`` lets the validator refuse to check it until the
year's notice is added. ``DEFAULT`` is the plain Monday–Friday calendar, for callers
without an agency profile (tests, the authoring tool): it knows every year
(``complete``), by definition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Calendar:
    """Which days are working days: Monday–Friday, minus ``holidays``, plus ``workdays`` (调休).

    ``complete``: every year is as listed (plain Monday–Friday, ``DEFAULT``); otherwise only
    the years the calendar lists a day of are known (an agency's calendar).
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    complete: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """``start`` plus ``days`` working days (the day of ``start`` itself not counted)."""
        current = start
        while days > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                days -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days run from ``start`` to ``end``: the days after ``start`` up to and
        including ``end`` (the inverse of ``add_working_days``; 0 when ``end`` is not after ``start``)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    @property
    def years(self) -> frozenset[int]:
        """The years the calendar lists a day of; any other year is counted Monday–Friday."""
        return frozenset(day.year for day in self.holidays | self.workdays)

    def unknown_years(self, start: date, end: date) -> list[int]:
        """The years from ``start`` to ``end`` whose holidays the calendar does not know
        (always none for a ``complete`` calendar)."""
        if self.complete:
            return []
        known = self.years
        return [year for year in range(start.year, end.year + 1) if year not in known]

    def to_page(self) -> dict[str, Any]:
        """What the e-form needs to count as the server does: the configuration, and the known
        years (``None``: every year, Monday–Friday)."""
        return {**self.to_config(), "years": None if self.complete else sorted(self.years)}

    def to_config(self) -> dict[str, list[str]]:
        """The configuration form (sorted ISO dates), as the agency profile and the e-form carry it."""
        return {"holidays": sorted(d.isoformat() for d in self.holidays),
                "workdays": sorted(d.isoformat() for d in self.workdays)}

    @classmethod
    def from_config(cls, config: Any) -> "Calendar":
        """The calendar of an agency profile's ``calendar`` value (``None``: Monday–Friday).

        Raises ``ValueError`` with a Chinese message naming the bad entry. A holiday
        on a weekend is allowed (it changes nothing); a 调休 workday must be a weekend day.
        """
        if config is None:
            return cls()  # no year known: party-protecting deadlines are refused, not miscounted
        if not isinstance(config, dict) or not set(config) <= {"holidays", "workdays"}:
            raise ValueError("calendar 应为对象，只含 holidays（放假日期）和 workdays（调休上班日期）两个数组")
        lists = {}
        for key, name in (("holidays", "放假日期"), ("workdays", "调休上班日期")):
            values = config.get(key, [])
            if not isinstance(values, list):
                raise ValueError(f"calendar.{key}（{name}）应为日期数组，如 [\"2025-01-01\"]")
            days = []
            for index, value in enumerate(values):
                where = f"calendar.{key}[{index}]（{name}）"
                if not isinstance(value, str) or not _ISO.fullmatch(value):
                    raise ValueError(f"{where} 应为 YYYY-MM-DD 格式的日期，实为 {value!r}")
                try:
                    days.append(date.fromisoformat(value))
                except ValueError:
                    raise ValueError(f"{where} {value} 不是有效日期") from None
            lists[key] = days
        holidays, workdays = frozenset(lists["holidays"]), frozenset(lists["workdays"])
        for day in sorted(holidays & workdays):
            raise ValueError(f"calendar：{day.isoformat()} 同时列在 holidays（放假）和 workdays（调休上班）中")
        for day in sorted(workdays):
            if day.weekday() < 5:
                raise ValueError(f"calendar.workdays（调休上班日期）中的 {day.isoformat()} 是星期"
                                 f"{_WEEKDAYS[day.weekday()]}，本来就是工作日；只应列出调休上班的周六、周日")
        return cls(holidays, workdays)


#: Monday to Friday, no holidays, in every year: for callers without an agency profile.
DEFAULT = Calendar(complete=True)


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` Monday–Friday working days (``DEFAULT``; no holidays)."""
    return DEFAULT.add_working_days(start, days)
