"""The 文书编号 register page: what became of every number of a prefix and year, in Chinese.

The same ``NumberRegister`` as ``GET /v1/numbers``: issued numbers link to their
documents, void ones show their reason, who voided them and when, numbers in
flight show when they were reserved. Signed-in principals only, as the API.
"""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import ValidationFailed
from ..register import STATUS_LABELS, tally
from .context import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    register, catalogue = web.service.register, web.service.catalogue

    def choices() -> list[dict[str, str]]:
        """Every prefix with the instruments numbered under it (株市监处罚 — 行政处罚决定书)."""
        titles: dict[str, list[str]] = {prefix: [] for prefix in register.prefixes()}
        for template_id, prefix in register.scheme.prefixes.items():
            if template_id in catalogue.templates:
                titles[prefix].append(catalogue.get(template_id).title)
        return [{"prefix": prefix, "titles": "、".join(names) or "—"} for prefix, names in titles.items()]

    @router.get("/numbers", response_class=HTMLResponse)
    def numbers_page(request: Request, prefix: str = "", year: str = "") -> Response:
        visitor = web.sessions.visitor(request)
        if visitor.principal is None:
            return web.to_login(request)
        this_year = datetime.now(web.zone).year
        context = {"prefixes": choices(), "prefix": prefix, "year": year or str(this_year), "entries": None,
                   "errors": {}, "labels": STATUS_LABELS}
        if not prefix:
            return web.page(request, "numbers.html", visitor=visitor, **context)
        try:
            number = int(year) if year else this_year
            entries = register.entries(prefix, number)
        except ValueError:
            return web.page(request, "numbers.html", status=422, visitor=visitor,
                            **{**context, "errors": {"year": "年份应为四位数字，如 2026"}})
        except ValidationFailed as exc:
            return web.page(request, "numbers.html", status=422, visitor=visitor,
                            **{**context, "errors": {i.pointer.strip("/"): i.message for i in exc.issues}})
        return web.page(request, "numbers.html", visitor=visitor, **{**context, "entries": entries, "counts": tally(entries),
                                                                     "year": str(number)})

    return router
