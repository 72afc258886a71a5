"""The officer's drafts on the pages: a list to resume or delete them, and the e-form's saves.

The e-form saves through ``POST /drafts`` and ``PUT /drafts/{id}`` (JSON, the
session cookie and the CSRF header), which call the same ``Drafts`` as the API's
``/v1/drafts``; nothing of a signed-in officer's draft is kept in the browser, but
for the moment of a reload: the edit the page flushed as it went away (a keepalive
``PUT``, with the same header) is handed to the next page in the tab, which takes it
at once (``static/eform.js``, ``flush``; any other page drops it, ``site.js``).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Header, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ..drafts import DraftCreate, DraftUpdate, party_name
from ..errors import DocgenError, NotFound
from .context import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    drafts, catalogue = web.service.drafts, web.service.catalogue

    def title_of(template_id: str) -> str:
        try:
            return catalogue.get(template_id).title
        except DocgenError:
            return template_id

    @router.get("/drafts", response_class=HTMLResponse)
    def drafts_page(request: Request) -> Response:
        visitor = web.sessions.visitor(request)
        if visitor.principal is None:
            return web.to_login(request)
        items = [{"draft": d, "title": title_of(d.template_id), "party": party_name(d.data),
                  "resume": (f"/documents/{d.document_id}/resubmit" if d.document_id
                             else f"/forms/{d.template_id}?version={d.template_version}&draft={d.id}")}
                 for d in drafts.list(visitor.principal.id)]
        return web.page(request, "drafts.html", visitor=visitor, items=items, tab="drafts",
                        deleted=request.query_params.get("deleted") == "1")

    @router.post("/drafts", status_code=201)
    def create(request: Request, body: DraftCreate, x_csrf_token: str | None = Header(default=None)) -> dict[str, Any]:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        draft = drafts.create(principal.id, body.template, body.version, body.data, example=body.example,
                              document_id=body.document, round_=body.round, note=body.note)
        return draft.body()

    @router.put("/drafts/{draft_id}")
    def update(request: Request, draft_id: str, body: DraftUpdate,
               x_csrf_token: str | None = Header(default=None)) -> dict[str, Any]:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        return drafts.update(principal.id, draft_id, body.data, example=body.example, note=body.note).summary()

    @router.delete("/drafts/{draft_id}", status_code=204)
    def delete(request: Request, draft_id: str, x_csrf_token: str | None = Header(default=None)) -> Response:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        if not drafts.delete(principal.id, draft_id):
            raise NotFound(f"没有草稿 {draft_id}")
        return Response(status_code=204)

    @router.post("/drafts/{draft_id}/delete")
    def delete_from_list(request: Request, draft_id: str, csrf_token: str = Form("")) -> Response:
        try:
            principal = web.sessions.require(request)
            web.sessions.check(request, csrf_token)
        except DocgenError as exc:
            return web.error(request, exc)
        drafts.delete(principal.id, draft_id)
        return RedirectResponse("/drafts?deleted=1", status_code=303)

    return router
