"""What every page shares: the Jinja environment, the visitor, security headers, error pages."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..errors import DocgenError
from ..publicity.record import EVENT_LABELS
from ..service import Service
from . import labels
from .session import Sessions, Visitor

PACKAGE = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE / "templates"
STATIC_DIR = PACKAGE / "static"

#: Scripts and styles come only from /static (no inline code), so injected markup cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def script_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">``: key order kept (the schema's field order), no ``</``."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)


def environment(zone: ZoneInfo) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["role"] = labels.role
    env.filters["kind"] = labels.kind
    env.filters["localtime"] = lambda value: labels.local_time(value, zone)
    env.filters["cn_date"] = labels.cn_date
    env.filters["script_json"] = script_json
    env.filters["publicity_event"] = lambda kind: EVENT_LABELS.get(kind, kind)
    return env


#: An error page's heading where the problem's ``title`` (kept as it is for API clients) reads badly to an
#: officer: a 409 is a refusal of what the page asked for now (closed case, stale page), not a "conflict".
PAGE_TITLES = {401: "请先登录", 403: "无权进行此操作", 409: "无法完成", 413: "上传的内容过大", 415: "文件类型不受支持"}
_CASE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def page_title(status: int, title: str) -> str:
    """The heading of an error page with ``status``, from the problem's ``title``."""
    return PAGE_TITLES.get(status, title)




def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path on this site may follow sign-in (never ``//evil`` or ``https://…``)."""
    if (value and value.startswith("/") and not value.startswith("//") and "\\" not in value
            and not any(char.isspace() or ord(char) < 0x20 for char in value)):
        return value
    return default


@dataclass
class Web:
    service: Service
    sessions: Sessions
    env: Environment

    @property
    def agency(self) -> dict[str, Any]:
        return dict(self.service.settings.agency)

    @property
    def zone(self) -> ZoneInfo:
        return self.service.issuer.zone

    def page(self, request: Request, name: str, status: int = 200, visitor: Visitor | None = None,
             **context: Any) -> HTMLResponse:
        visitor = visitor or self.sessions.visitor(request)
        html = self.env.get_template(name).render(
            request=request, visitor=visitor, agency=self.agency, path=request.url.path,
            today=datetime.now(self.zone).date().isoformat(), **context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def error(self, request: Request, exc: DocgenError) -> HTMLResponse:
        """A DocgenError on a page is a page in Chinese, not a problem document."""
        return self.page(request, "error.html", status=exc.status, title=page_title(exc.status, exc.title),
                         detail=exc.detail, case_link=self.case_link(request))

    def case_link(self, request: Request) -> str | None:
        """The case page to go back to when the request named a case that exists (``?case=…``: a form
        opened from a case)."""
        case = request.query_params.get("case", "")
        if not _CASE_ID.fullmatch(case):
            return None
        try:
            self.service.cases.get(case)
        except DocgenError:
            return None
        return f"/cases/{case}"

    def to_login(self, request: Request, target: str | None = None) -> RedirectResponse:
        """Sign in first, then come back here (or to ``target``); a lapsed sign-in is told why."""
        target = target or request.url.path + (f"?{request.url.query}" if request.url.query else "")
        reason = "&expired=1" if self.sessions.lapsed(request) else ""
        return RedirectResponse(f"/login?next={quote(target, safe='')}{reason}", status_code=303)
