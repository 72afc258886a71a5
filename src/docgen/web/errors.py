"""Error pages for browsers, problem documents for programs: one error, two representations.

Every error handler of the API answers RFC 9457 ``application/problem+json``;
a browser that follows a stale link, mistypes a URL or opens an API address
got that JSON as raw text. Here each handler is wrapped: when the request's
``Accept`` prefers ``text/html`` over JSON (a browser navigating does; ``fetch``,
curl and HTTP libraries send ``*/*`` or ask for JSON), the same status, title,
detail and headers come back as a Chinese page with a way on. API clients see
exactly what they saw before.
"""
from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ..problems import HANDLERS
from .context import Web, page_title

Handler = Callable[[Request, Exception], Awaitable[Response]]
JSON_TYPES = ("application/json", "application/problem+json")
#: Headers of the problem response that still mean something on the page (not its type or length).
KEPT_HEADERS = ("retry-after", "www-authenticate", "allow")


def quality(accept: str, wanted: tuple[str, ...]) -> float:
    """The highest q the ``Accept`` header gives any of ``wanted`` (exact types only, not ``*/*``)."""
    best = 0.0
    for part in accept.split(","):
        media, *params = [piece.strip() for piece in part.split(";")]
        if media.lower() not in wanted:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return quality(accept, ("text/html",)) > quality(accept, JSON_TYPES)


def describe(status: int, detail: str, path: str) -> str:
    """Starlette's own English details, in the pages' language."""
    if status == 404 and detail in ("Not Found", "未找到", "没有这个地址"):
        return f"没有这个页面：{path}。可能是地址输错了，或者链接已经过时。"
    if status == 405:
        return f"不能这样打开 {path}（请求方法 {detail if detail not in ('Method Not Allowed', '该地址不支持这种请求方法') else '不受支持'}）。请从页面上的链接或按钮进入。"
    return detail


def negotiated(web: Web, handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        if not wants_html(request):
            return response
        try:
            problem: dict[str, Any] = json.loads(bytes(response.body))
        except ValueError:
            return response
        status = response.status_code
        try:
            page = web.page(request, "error.html", status=status,
                            title=page_title(status, str(problem.get("title", "错误"))),
                            detail=describe(status, str(problem.get("detail", "")), request.url.path),
                            errors=problem.get("errors") or [], code=status,
                            request_id=problem.get("request_id"), case_link=web.case_link(request))
        except Exception:  # the page itself failed (say, the database is gone): the problem document still stands
            return response
        for name in KEPT_HEADERS:
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page

    return handle


def install(app: FastAPI, web: Web) -> None:
    """Wrap every problem handler of ``app`` (``problems.HANDLERS``) with content negotiation."""
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, negotiated(web, handler))

