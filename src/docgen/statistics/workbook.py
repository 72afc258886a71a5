"""The year's statistics as an XLSX workbook (openpyxl): one sheet per table, ready to send.

Each sheet: the title, what is counted (with its legal basis), the header row and
the rows; counts are numbers, amounts numbers in 元 with two decimals, shares
text. ``说明`` names the year, department and the day deadlines were judged on,
and what was left out and why; ``文书清单`` lists, for every non-zero figure, the
documents it counts (the drill-down, on paper). The file's own dates are the
judging day, so the same figures give the same cells (the zip entries still carry
the time they were written).
"""
from __future__ import annotations

import io
from datetime import datetime, time
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .annual import Annual

SHEET_NAME = 31  # Excel's limit
FORBIDDEN = str.maketrans({c: "－" for c in "[]:*?/\\"})


def _sheet_name(title: str, used: set[str]) -> str:
    name = title.translate(FORBIDDEN)[:SHEET_NAME]
    n = 2
    while name in used:
        suffix = f"（{n}）"
        name = title.translate(FORBIDDEN)[:SHEET_NAME - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _number(value: int | str) -> int | Decimal | str:
    if isinstance(value, str) and value.replace(".", "", 1).isdigit() and "." in value:
        return Decimal(value)
    return value


def workbook(result: Annual) -> bytes:
    book = Workbook()
    about = book.active
    about.title = "说明"
    scope = result.department or "全部承办部门"
    for row in (("行政执法统计年报", ""), ("年度", result.year), ("范围", scope),
                ("法定期限判断日", result.as_of.isoformat()),
                ("数据来源", "已签发、已签名的文书及其审批环节；每个数字所计文书见“文书清单”"), ("", "")):
        about.append(row)
    about.append(("未列入的数字", "原因"))
    for omitted in result.omitted:
        about.append((omitted["title"], omitted["reason"]))
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 28, 90
    used = {"说明", "文书清单"}
    detail = []
    for table in result.tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append((table.title,))
        sheet.append((table.basis,))
        sheet.append(("项目", *(title for _, title in table.columns)))
        for row in table.rows:
            sheet.append((row.title, *(_number(row.cells[c].value) if c in row.cells else None
                                       for c, _ in table.columns)))
            for column, title in table.columns:
                cell = row.cells.get(column)
                if cell and (cell.documents or cell.cases):
                    detail.append((table.title, row.title, title, _number(cell.value), "、".join(cell.documents),
                                   "、".join(cell.cases)))
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(table.columns) + 1)
        sheet.row_dimensions[2].height = 60
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=4):
            for cell in row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
        sheet.column_dimensions["A"].width = 40
        for n in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(n)].width = 14
        sheet.freeze_panes = "B4"
    listing = book.create_sheet("文书清单")
    listing.append(("表", "项目", "栏", "数值", "所计文书 id", "所计案件 id"))
    for row in detail:
        listing.append(row)
    for cell in listing[1]:
        cell.font = Font(bold=True)
    moment = datetime.combine(result.as_of, time())
    book.properties.created = book.properties.modified = moment
    book.properties.title = f"{result.year}年度行政执法统计年报"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
