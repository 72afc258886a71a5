"""Working days (工作日): the unit of most deadlines in enforcement procedure.

Monday to Friday count; public holidays and the weekends worked in their place
(调休) are not known here yet, so a deadline computed here can be a day or two
early around a holiday, never late.
"""
from __future__ import annotations

from datetime import date, timedelta


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (the day of ``start`` itself not counted)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
