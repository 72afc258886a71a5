"""The statistics page (行政执法统计年报): the year's tables and charts, each figure opening the list of
documents it counts.

The page reads ``statistics.annual`` as the API does, so it shows the API's figures; the charts are
the report's own PNGs (``statistics/charts.py``), served beside it, and the page offers the
workbook and the PDF/A report (converted by the installation's converter) as downloads. A bad
year is the page again, status 422, with the reason beside the year field.
"""
from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from ..errors import DocgenError, NotFound, ValidationFailed
from ..http.downloads import PDF, XLSX, content_disposition
from ..statistics.annual import Annual, annual
from ..statistics.charts import charts
from ..statistics.report import report_docx
from ..statistics.workbook import workbook
from .context import SECURITY_HEADERS, Web

CHARTS = ("按月统计", "按承办部门统计", "法制审核用时分布")


def _labels(web: Web, result: Annual) -> dict[str, str]:
    """文书编号 and title of every document a figure counts, for the drill-down list."""
    ids = sorted({d for t in result.tables for r in t.rows for c in r.cells.values() for d in c.documents})
    db = web.service.storage.db
    labels: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in db.query(f"SELECT id, title, doc_number FROM documents WHERE id IN ({marks})", chunk):
            labels[row["id"]] = f"{row['doc_number']} {row['title']}" if row["doc_number"] else row["title"]
    return labels


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    service = web.service

    @router.get("/statistics", response_class=HTMLResponse)
    async def statistics_page(request: Request, year: str = "", department: str = "") -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        year = year.strip() or str(datetime.now(web.zone).year)
        try:
            result = await run_in_threadpool(annual, service, year, department or None)
        except ValidationFailed as exc:
            return web.page(request, "statistics.html", status=422, result=None, year=year, department=department,
                            error=exc.issues[0].message, charts=CHARTS, labels="{}")
        labels = await run_in_threadpool(_labels, web, result)
        return web.page(request, "statistics.html", result=result, year=year, department=department, error=None,
                        charts=CHARTS, labels=json.dumps(labels, ensure_ascii=False, sort_keys=True))

    @router.get("/statistics/charts/{number}.png")
    async def chart(request: Request, number: int, year: str = "", department: str = "") -> Response:
        if web.sessions.principal(request) is None:
            return Response(status_code=401)
        try:
            if not 0 <= number < len(CHARTS):
                raise NotFound(f"没有第 {number} 张统计图")
            result = await run_in_threadpool(annual, service, year, department or None)
            drawn = await run_in_threadpool(charts, {t.id: t for t in result.tables})
        except DocgenError as exc:
            return web.error(request, exc)
        return Response(drawn[number].png, media_type="image/png", headers=SECURITY_HEADERS)

    @router.get("/statistics/export.{kind}")
    async def export(request: Request, kind: str, year: str = "", department: str = "") -> Response:
        """The year's workbook (``xlsx``) or report (``pdf``), named for the year."""
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        try:
            if kind not in ("xlsx", "pdf"):
                raise NotFound(f"没有 {kind} 格式的统计年报")
            result = await run_in_threadpool(annual, service, year, department or None)
            if kind == "xlsx":
                data, media_type = await run_in_threadpool(workbook, result), XLSX
            else:
                docx = await run_in_threadpool(report_docx, result, web.agency["name"])
                data, media_type = await run_in_threadpool(service.converter.convert, docx), PDF
        except DocgenError as exc:
            return web.error(request, exc)
        name = f"{result.year}年度行政执法统计年报{'-' + result.department if result.department else ''}.{kind}"
        return Response(data, media_type=media_type, headers={**SECURITY_HEADERS,
                                                              "Content-Disposition": content_disposition(name)})

    return router
