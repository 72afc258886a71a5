"""我送审的 and 已办: the lists beside the inbox (待我审批).

An approver could not find again what they had signed, and a submitter had
no list of what they had sent. Both lists are read from the chain itself:
the documents a principal issued (``documents.created_by``), and the stages
a principal signed after the opening one (each link names its
``principal_id``). Each row says where the document stands now.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..storage import StoredDocument
from ..workflow import VOID
from .context import Web

LIMIT = 200


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    storage, approver, catalogue = web.service.storage, web.service.approver, web.service.catalogue

    def status(doc: StoredDocument) -> dict[str, Any]:
        stages = storage.stages(doc.id)
        flow = catalogue.get(doc.template_id, doc.template_version).workflow
        step = approver.expected(doc, stages)
        last = stages[-1].link
        if last.stage == VOID:
            return {"text": f"已作废：{last.opinion}", "state": "void", "round": last.round, "count": len(stages)}
        if step is None:
            text = "已签发" if len(flow.stages) == 1 else "审批流程已完成"
            return {"text": text, "state": "done", "round": last.round, "count": len(stages)}
        stage, round_ = step
        returned = stage.id == flow.stages[0].id
        text = "已退回，待重新送审" if returned else f"待“{stage.label}”签署"
        return {"text": text, "state": "returned" if returned else "waiting", "round": round_, "count": len(stages)}

    def label(doc: StoredDocument, stage_id: str) -> str:
        return catalogue.get(doc.template_id, doc.template_version).workflow.label(stage_id)

    @router.get("/inbox/sent", response_class=HTMLResponse)
    def sent(request: Request) -> Response:
        visitor = web.sessions.visitor(request)
        if visitor.principal is None:
            return web.to_login(request)
        rows = storage.db.query(
            "SELECT * FROM documents WHERE created_by = ? ORDER BY created_at DESC, id LIMIT ?",
            (visitor.principal.id, LIMIT))
        items = []
        for row in rows:
            doc = StoredDocument.from_row(row)
            items.append({"doc": doc, "status": status(doc), "when": doc.created_at})
        return web.page(request, "worklist.html", visitor=visitor, tab="sent", items=items,
                        heading="我送审的", lead="由您签发或送审的文书，最近的在前。", empty="您还没有签发或送审过文书。")

    @router.get("/inbox/done", response_class=HTMLResponse)
    def done(request: Request) -> Response:
        visitor = web.sessions.visitor(request)
        if visitor.principal is None:
            return web.to_login(request)
        link = {key: storage.db.json_text("s.link", key) for key in ("decision", "time", "round", "principal_id")}
        rows = storage.db.query(
            f"SELECT d.*, s.stage AS s_stage, {link['decision']} AS s_decision, {link['time']} AS s_time,"
            f" CAST({link['round']} AS INTEGER) AS s_round, s.idx AS s_idx"
            " FROM stages s JOIN documents d ON d.id = s.document_id"
            f" WHERE {link['principal_id']} = ? AND s.idx > 0"
            f" ORDER BY {link['time']} DESC, s.idx DESC LIMIT ?",
            (visitor.principal.id, LIMIT))
        items = []
        for row in rows:
            values = dict(row)
            mine = {key[2:]: values.pop(key) for key in list(values) if key.startswith("s_")}
            doc = StoredDocument.from_row(values)  # type: ignore[arg-type]
            items.append({"doc": doc, "status": status(doc), "when": mine["time"],
                          "mine": {**mine, "label": label(doc, mine["stage"]),
                                   "pdf": f"/documents/{doc.id}/stages/{mine['idx']}/pdf"}})
        return web.page(request, "worklist.html", visitor=visitor, tab="done", items=items,
                        heading="已办", lead="您已签署的环节，最近的在前。", empty="您还没有签署过审批环节。")

    return router
