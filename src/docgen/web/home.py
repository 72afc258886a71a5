"""The catalogue page: every instrument, grouped by the stage of a case, with its blank forms."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..catalogue import Template
from ..errors import NotFound
from .context import Web
from .groups import group, load_groups


def card(template: Template) -> dict[str, Any]:
    """What a catalogue entry shows; an instrument with no active version has no form or blanks."""
    try:
        version: str | None = template.current.version
    except NotFound:
        version = None
    base = f"/v1/templates/{template.template_id}/versions/{version}"
    return {"id": template.template_id, "title": template.title, "kind": template.kind,
            "numbered": template.numbered, "version": version,
            "form": f"/forms/{template.template_id}", "blank_pdf": f"{base}/blank",
            "blank_docx": f"{base}/blank?format=docx"}


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    catalogue = web.service.catalogue
    groups_file = web.service.settings.catalogue_dir / "templates" / "groups.json"

    @router.get("/", response_class=HTMLResponse)
    def catalogue_page(request: Request) -> HTMLResponse:
        # Read on every request: the file is tiny and the lead edits it while the server runs.
        groups = [(g.title, [card(t) for t in g.templates])
                  for g in group(catalogue.templates.values(), load_groups(groups_file))]
        return web.page(request, "catalogue.html", groups=groups, total=len(catalogue.templates))

    return router
