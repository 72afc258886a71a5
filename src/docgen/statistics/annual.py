"""One year's statistics (行政执法统计年报): the year checked, the snapshot read, every table computed.

The API, the command line, the workbook, the report and the page all start
here, so they show the same figures. A year is a four-digit year no later than
the current one (in the agency's time zone) and not before 2000; anything else
is a 422 naming ``year``. A year without data gives the tables with zeros,
never an error; so does a department that handled nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..errors import Issue, ValidationFailed
from . import figures
from .collect import snapshot
from .figures import Table

if TYPE_CHECKING:
    from ..service import Service

FIRST_YEAR = 2000


@dataclass(frozen=True)
class Annual:
    year: int
    department: str | None
    as_of: date
    departments: tuple[str, ...]
    """Every department the record names (for the filter), whatever ``department`` is."""
    tables: tuple[Table, ...]
    omitted: tuple[dict[str, str], ...]

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.id == table_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year, "department": self.department, "as_of": self.as_of.isoformat(),
            "departments": list(self.departments),
            "tables": [{"id": t.id, "title": t.title, "basis": t.basis,
                        "columns": [{"id": c, "title": title} for c, title in t.columns],
                        "rows": [{"id": r.id, "title": r.title,
                                  "cells": {c: {"value": cell.value, "documents": list(cell.documents),
                                                "cases": list(cell.cases)} for c, cell in r.cells.items()}}
                                 for r in t.rows]} for t in self.tables],
            "omitted": [dict(o) for o in self.omitted],
        }


def parse_year(text: Any, today: date) -> int:
    """The year asked for, or a 422 naming ``year``: not a four-digit year, before 2000, or in the future."""
    value = str(text).strip() if text is not None else ""
    if not re.fullmatch(r"[0-9]{4}", value):
        raise ValidationFailed([Issue("/year", f"年度（year）应为四位数字的年份，如 {today.year}")])
    year = int(value)
    if year > today.year:
        raise ValidationFailed([Issue("/year", f"年度（year）{year} 尚未到来，最晚为 {today.year} 年")])
    if year < FIRST_YEAR:
        raise ValidationFailed([Issue("/year", f"年度（year）不能早于 {FIRST_YEAR} 年")])
    return year


def annual(service: "Service", year: Any, department: str | None = None, today: date | None = None) -> Annual:
    agency = service.settings.agency
    today = today or datetime.now(agency.timezone).date()
    checked = parse_year(year, today)
    if department is not None and not department.strip():
        department = None
    whole = snapshot(service.storage, service.settings.calendar, agency.timezone, checked, today)
    part = whole.only(department) if department else whole
    return Annual(checked, department, whole.as_of, tuple(whole.departments()),
                  tuple(figures.compute(part, checked)), tuple(figures.OMITTED))
