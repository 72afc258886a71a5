"""The document page, its downloads, the approval inbox and the approval form's POST.

Approving posts through ``Approver.approve``, the very method behind
``POST /v1/documents/{id}/approvals``: order, role, decision and reason
checks, the 409 of a concurrent signature, all come from there. Voiding (作废)
posts through ``Voider.void`` likewise, after a confirmation box naming the
document; a void document shows a 作废 stamp with its reason, and its files
stay downloadable.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ..http.downloads import DOCX, PDF, document_filename, download
from ..approvals import Approval, Pending
from ..chain import VoidMark
from ..errors import DocgenError, Issue, NotFound, Unauthorized, ValidationFailed
from ..voiding import check_reason
from ..storage import StoredDocument, StoredStage
from ..timefmt import instant
from ..workflow import ISSUANCE, Workflow, WorkflowStage
from .context import Web, safe_next
from .payload_view import diff, rows, schema_of


def approval_form(stage: WorkflowStage, round_: int) -> dict[str, Any]:
    """What the approval form needs to know about the stage it signs."""
    return {"stage": stage.id, "label": stage.label, "role": stage.role, "round": round_,
            "decisions": list(stage.decisions), "reason_required": list(stage.reason_required),
            "returns": list(stage.returns)}


def stage_row(document_id: str, stage: StoredStage, label: str) -> dict[str, Any]:
    link = stage.link
    return {"index": link.index, "round": link.round, "stage": link.stage, "label": label, "role": link.role,
            "signer": link.signer_name, "decision": link.decision, "opinion": link.opinion, "time": link.time,
            "sha256": stage.pdf_sha256, "pdf": f"/documents/{document_id}/stages/{link.index}/pdf"}


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    service = web.service
    storage, approver, catalogue, voider = service.storage, service.approver, service.catalogue, service.voider

    def workflow_of(doc: StoredDocument) -> Workflow:
        return catalogue.get(doc.template_id, doc.template_version).workflow

    def label_of(doc: StoredDocument, stage_id: str) -> str:
        return workflow_of(doc).label(stage_id)

    def progress(doc: StoredDocument, stages: list[StoredStage]) -> list[dict[str, Any]]:
        """The workflow's stages for the current round: signed, next, or still to come."""
        flow = workflow_of(doc).stages
        step = approver.expected(doc, stages)
        current_round = step[1] if step else stages[-1].link.round
        signed = {s.link.stage: s for s in stages if s.link.round == current_round}
        out = []
        for stage in flow:
            done = signed.get(stage.id)
            state = "done" if done else ("next" if step and step[0].id == stage.id else "todo")
            out.append({"label": stage.label, "role": stage.role, "state": state,
                        "decision": done.link.decision if done else None})
        return out

    def content(doc: StoredDocument, stages: list[StoredStage]) -> dict[str, Any]:
        """The payload being approved, as titled rows; from round 2 on, what changed and the earlier opinions."""
        release = catalogue.get(doc.template_id, doc.template_version)
        node = schema_of(catalogue, release)
        data = storage.payload(stages[-1].payload_sha256)
        sent = {s.link.round: s for s in stages if s.link.stage == ISSUANCE}
        round_ = max(sent)
        changes = None
        if round_ > 1 and round_ - 1 in sent:
            changes = diff(node, storage.payload(sent[round_ - 1].payload_sha256),
                           storage.payload(sent[round_].payload_sha256))
        history = [stage_row(doc.id, s, label_of(doc, s.stage)) for s in stages if s.link.round < round_]
        return {"rows": rows(node, data), "round": round_, "changes": changes, "history": history}

    def due_state(doc: StoredDocument, stages: list[StoredStage]) -> dict[str, Any] | None:
        """The 法制审核 period: running, overdue (red, only then) or done (on the day it was signed)."""
        period = workflow_of(doc).review_period
        if not doc.review_due or period is None:
            return None
        due = dict(doc.review_due)
        started = [s for s in stages if s.link.stage == period.starts_after]
        latest_start = started[-1].link.index if started else -1
        done = next((s for s in stages if s.link.stage == period.stage and s.link.index > latest_start), None)
        today = datetime.now(web.zone).date()
        if done:
            done_on = instant(done.link.time).astimezone(web.zone).date()
            state = {"state": "done", "done_on": done_on.isoformat(), "late": done_on > date.fromisoformat(due["due"])}
        else:
            state = {"state": "overdue" if today > date.fromisoformat(due["due"]) else "running"}
        years = sorted(service.settings.calendar.years)
        span = {date.fromisoformat(due["starts"]).year, date.fromisoformat(due["extended_limit"]).year}
        missing = sorted(span - set(years))
        return {**due, **state, "calendar_years": years, "missing_years": missing}

    def document_page(request: Request, document_id: str, status: int = 200, **extra: Any) -> HTMLResponse:
        visitor = web.sessions.visitor(request)
        doc, stages = storage.document(document_id), storage.stages(document_id)
        flow = workflow_of(doc)
        step = approver.expected(doc, stages)
        form = approval_form(*step) if step and visitor.has(step[0].role) else None
        void = VoidMark.of([s.link for s in stages])
        may_void = void is None and visitor.principal is not None and voider.may_void(visitor.principal)
        return web.page(request, "document.html", status=status, visitor=visitor, doc=doc,
                        void=void, may_void=may_void, void_roles=voider.void_roles,
                        register=service.register.place(doc.id),
                        stages=[stage_row(doc.id, s, label_of(doc, s.stage)) for s in stages],
                        content=content(doc, stages), due=due_state(doc, stages),
                        step=approval_form(*step) if step else None, form=form, single=len(flow.stages) == 1,
                        progress=progress(doc, stages), signed=signed_notice(request.query_params.get("signed")),
                        **{"values": {}, "errors": {}, "banner": None, "void_values": {}, "void_errors": {},
                           "void_banner": None, **extra})

    @router.get("/documents/{document_id}", response_class=HTMLResponse)
    def document_view(request: Request, document_id: str) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        try:
            return document_page(request, document_id)
        except DocgenError as exc:
            return web.error(request, exc)

    def stored(request: Request, document_id: str, index: int | None, kind: str) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        try:
            doc, stages = storage.document(document_id), storage.stages(document_id)
            if index is not None and not 0 <= index < len(stages):
                raise NotFound(f"文书 {document_id} 没有第 {index} 环节")
        except DocgenError as exc:
            return web.error(request, exc)
        stage = stages[-1] if index is None else stages[index]
        suffix = "" if index is None else f"-{index}-{label_of(doc, stage.stage)}"
        digest = stage.pdf_sha256 if kind == "pdf" else stage.docx_sha256
        return download(request, storage.blobs.get(digest), digest, PDF if kind == "pdf" else DOCX,
                        document_filename(doc, kind, suffix))

    @router.get("/documents/{document_id}/pdf")
    def latest_pdf(request: Request, document_id: str) -> Response:
        return stored(request, document_id, None, "pdf")

    @router.get("/documents/{document_id}/docx")
    def latest_docx(request: Request, document_id: str) -> Response:
        return stored(request, document_id, None, "docx")

    @router.get("/documents/{document_id}/stages/{index}/pdf")
    def stage_pdf(request: Request, document_id: str, index: int) -> Response:
        return stored(request, document_id, index, "pdf")

    @router.get("/documents/{document_id}/approve")
    def approve_revisited(document_id: str) -> Response:
        """The approval form's address opened again (reload, history, a bookmark): its document page."""
        return RedirectResponse(f"/documents/{document_id}#approve", status_code=303)

    @router.post("/documents/{document_id}/approve", response_class=HTMLResponse)
    def approve(request: Request, document_id: str, stage: str = Form(...), decision: str = Form(""),
                opinion: str = Form(""), csrf_token: str = Form(""), return_to: str = Form("")) -> Response:
        values = {"stage": stage, "decision": decision, "opinion": opinion}
        try:
            principal = web.sessions.require(request)
            web.sessions.check(request, csrf_token)
            signed = approver.approve(principal, document_id, Approval(
                stage=stage, decision=decision or None, opinion=opinion if opinion.strip() else None))
        except Unauthorized:
            return web.to_login(request, f"/documents/{document_id}")
        except ValidationFailed as exc:
            errors = {issue.pointer.strip("/"): issue.message for issue in exc.issues}
            banner = f"签署未成功：{'；'.join(issue.message for issue in exc.issues)}。请修改后重新提交。"
            return render_failure(request, document_id, 422, values, errors, banner)
        except NotFound as exc:
            return web.error(request, exc)
        except DocgenError as exc:
            return render_failure(request, document_id, exc.status, values, {}, exc.detail)
        target = safe_next(return_to, f"/documents/{document_id}")
        separator = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{separator}signed={document_id}:{signed.link.index}", status_code=303)

    def render_failure(request: Request, document_id: str, status: int, values: dict[str, str],
                       errors: dict[str, str], banner: str, prefix: str = "") -> HTMLResponse:
        """The document page again with the form's values and errors (``prefix`` ``void_`` for the void form)."""
        try:
            return document_page(request, document_id, status=status, **{f"{prefix}values": values,
                                 f"{prefix}errors": errors, f"{prefix}banner": banner})
        except DocgenError as exc:
            return web.error(request, exc)

    @router.get("/documents/{document_id}/void")
    def void_revisited(document_id: str) -> Response:
        return RedirectResponse(f"/documents/{document_id}#void", status_code=303)

    @router.post("/documents/{document_id}/void", response_class=HTMLResponse)
    def void(request: Request, document_id: str, reason: str = Form(""), confirm: str = Form(""),
             csrf_token: str = Form("")) -> Response:
        """作废 through ``Voider.void``, the method behind ``POST /v1/documents/{id}/void``, once the
        officer has ticked the confirmation naming the document."""
        values = {"reason": reason, "confirm": confirm}
        try:
            principal = web.sessions.require(request)
            web.sessions.check(request, csrf_token)
            storage.document(document_id)  # 404, then 403, before anything is said about the form
            voider.role_of(principal)
            issues = [] if confirm == "yes" else [Issue("/confirm", "请勾选确认：作废后不可撤销")]
            try:
                check_reason(reason)
            except ValidationFailed as exc:
                issues = exc.issues + issues
            if issues:
                raise ValidationFailed(issues)
            voider.void(principal, document_id, reason)
        except Unauthorized:
            return web.to_login(request, f"/documents/{document_id}")
        except ValidationFailed as exc:
            errors = {issue.pointer.strip("/"): issue.message for issue in exc.issues}
            return render_failure(request, document_id, 422, values, errors,
                                  f"作废未成功：{'；'.join(issue.message for issue in exc.issues)}。", "void_")
        except NotFound as exc:
            return web.error(request, exc)
        except DocgenError as exc:
            return render_failure(request, document_id, exc.status, values, {}, f"作废未成功：{exc.detail}", "void_")
        return RedirectResponse(f"/documents/{document_id}?voided=1#void-banner", status_code=303)

    @router.get("/inbox", response_class=HTMLResponse)
    def inbox(request: Request) -> Response:
        visitor = web.sessions.visitor(request)
        if visitor.principal is None:
            return web.to_login(request)
        pending = approver.pending_for(visitor.principal)
        return web.page(request, "inbox.html", visitor=visitor, items=[inbox_item(p) for p in pending], tab="inbox",
                        signed=signed_notice(request.query_params.get("signed")))

    def inbox_item(pending: Pending) -> dict[str, Any]:
        doc, link = pending.document, pending.latest.link
        flow = workflow_of(doc)
        previous = flow.stage(link.stage)
        period = flow.review_period
        stages = storage.stages(doc.id)
        due = due_state(doc, stages) if period and doc.review_due and pending.stage.id == period.stage else None
        return {"doc": doc, "form": approval_form(pending.stage, pending.round), "content": content(doc, stages),
                "previous": {"label": previous.label if previous else link.stage, "signer": link.signer_name,
                             "decision": link.decision, "opinion": link.opinion, "time": link.time},
                "due": due, "returned": pending.round > 1 and pending.stage.id == flow.stages[0].id}

    def signed_notice(value: str | None) -> dict[str, Any] | None:
        """``?signed=<id>:<index>`` after a redirect: which stage of which document was just signed."""
        if not value or ":" not in value:
            return None
        document_id, _, index = value.partition(":")
        try:
            doc = storage.document(document_id)
            stage = storage.stages(document_id)[int(index)]
        except (DocgenError, ValueError, IndexError):
            return None
        return {"doc": doc, "index": stage.link.index, "label": label_of(doc, stage.stage),
                "decision": stage.link.decision, "pdf": f"/documents/{doc.id}/stages/{stage.link.index}/pdf"}

    return router
