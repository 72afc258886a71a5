"""The officers' web pages, served by the API's own FastAPI app (issue 5).

Server-rendered Chinese pages, no build step: Jinja2 templates in
``templates/``, plain CSS and small vanilla scripts in ``static/``. Pages call
the same service objects as the API (``Issuer.issue``, ``Approver.approve``,
``verify_async``), so a page can never do what the API would refuse.

| path | page |
|---|---|
| ``/`` | the catalogue, grouped by stage of a case (``templates/groups.json``) |
| ``/forms/{id}`` | the e-form built from the version's JSON Schema; POST issues the document |
| ``/documents/{id}`` | 文书编号, version, every stage, review due date; stage PDFs; the 作废 stamp, or the void form |
| ``/inbox`` | documents waiting for one of the signed-in principal's stages (待我审批) |
| ``/inbox/sent``, ``/inbox/done`` | what the principal sent (我送审的), what they signed (已办) |
| ``/drafts`` | the principal's e-form drafts, kept on the server |
| ``/login``, ``/logout`` | token sign-in (HttpOnly, SameSite=Strict cookie) |
| ``/numbers`` | the 文书编号 register: every number of a prefix and year, issued, void (with reason) or reserved |
| ``/verify`` | offline-style verification of uploaded stage PDFs, in plain Chinese |
| ``/cases``, ``/cases/{id}`` | the case list with search; one case: deadlines, timeline, documents, media, volume, publicity |
| ``/publicity``, ``/publicity/{id}`` | due and overdue decisions with countdowns; one decision: original and public rendition side by side, make, mark published, withdraw |
| ``/statistics`` | the year's 行政执法统计年报: tables, charts, each figure opening the documents it counts |
"""
from __future__ import annotations

from fastapi import APIRouter

from ..service import Service
from . import cases, documents, drafts, eform, home, numbers, publicity, signin, statistics, verify, worklists
from .context import STATIC_DIR, Web, environment
from .session import Sessions, derive_secret

__all__ = ["STATIC_DIR", "router", "site"]


def site(service: Service) -> Web:
    """What every page of one installation shares: its service, sessions and templates."""
    secret = derive_secret(service.settings.master_key().key)
    return Web(service, Sessions(service.principals, secret), environment(service.issuer.zone))


def router(service: Service, web: Web | None = None) -> APIRouter:
    """Every page of the site, bound to one installation's service."""
    web = web or site(service)
    combined = APIRouter(include_in_schema=False)
    for module in (home, eform, documents, cases, publicity, worklists, drafts, numbers, signin, verify, statistics):
        combined.include_router(module.routes(web))
    return combined
