"""Approvals: each signature stage issues a new signed PDF, chained to the ones before it.

The workflow of the document's template version says which stage comes next
and which role signs it. A decision that returns the document (补充调查,
变更或修正) makes the next stage a resubmission by the submitting department:
a new round of the same chain, possibly with corrected data.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from . import chain
from .errors import Conflict, Issue, ValidationFailed
from .catalogue import Catalogue
from .pki import Authority
from .stages import Opinion, Stages
from .principals import Principal
from .jsontext import canonical_json
from .storage import StoredDocument, StoredStage
from .validation import unsafe_text
from .voiding import refuse_if_void
from .workdays import DEFAULT, Calendar
from .workflow import ISSUANCE, WorkflowStage, next_step

MAX_OPINION = 2000
PENDING_LIMIT = 500


@dataclass(frozen=True)
class Approval:
    stage: str
    decision: str | None = None
    opinion: str | None = None
    data: Any = None  # a resubmission may correct the case data


@dataclass(frozen=True)
class Pending:
    """A document waiting for a stage: the document, its latest signed stage, what comes next."""

    document: StoredDocument
    latest: StoredStage
    stage: WorkflowStage
    round: int


class Approver:
    """The signature stages after issuance, each produced and stored through ``Stages``."""

    def __init__(self, catalogue: Catalogue, stages: Stages, calendar: Calendar = DEFAULT) -> None:
        self.catalogue = catalogue
        self.stages = stages
        self.storage = stages.storage
        self.authority: Authority = stages.authority
        self.calendar = calendar  # the agency's working days, for the 法制审核 due dates

    def expected(self, document: StoredDocument, stages: list[StoredStage]) -> tuple[WorkflowStage, int] | None:
        """The stage that may be signed next and its round; None when the workflow has ended."""
        workflow = self.catalogue.get(document.template_id, document.template_version).workflow
        last = stages[-1].link
        return next_step(workflow.stages, last.stage, last.decision, last.round)

    def waiting_states(self, roles: Iterable[str]) -> list[tuple[str, str, str, str]]:
        """Every (template, version, last stage, last decision or "") after which one of ``roles`` signs.

        Enumerated from the workflows (a few dozen states at most), so the
        inbox query can filter in SQL instead of replaying every document.
        """
        wanted = set(roles)
        states = []
        for template in self.catalogue.templates.values():
            for release in template.versions:
                flow = release.workflow.stages
                for stage in flow:
                    for decision in stage.decisions or (None,):
                        step = next_step(flow, stage.id, decision, 1)
                        if step is not None and step[0].role in wanted:
                            states.append((release.template_id, release.version, stage.id, decision or ""))
        return states

    def pending_for(self, principal: Principal, limit: int = PENDING_LIMIT) -> list[Pending]:
        """The documents whose next stage one of ``principal``'s roles signs, longest waiting first.

        One query: each document joined to its latest stage (the ``MAX(idx)``
        subquery is a seek on the ``stages`` primary key), kept only if that
        stage and its decision are a state after which the principal's role
        signs. Cost grows with the number of documents (an index seek each),
        not with their stages; finished documents drop out in SQL.
        """
        states = self.waiting_states(principal.roles)
        if not states:
            return []
        values = ", ".join("(?, ?, ?, ?)" for _ in states)
        decision, time = (self.storage.db.json_text("s.link", key) for key in ("decision", "time"))
        sql = f"""
            WITH waiting(template_id, template_version, stage, decision) AS (VALUES {values})
            SELECT d.*, s.idx AS s_idx, s.stage AS s_stage, s.payload_sha256 AS s_payload_sha256,
                   s.docx_sha256 AS s_docx_sha256, s.pdf_sha256 AS s_pdf_sha256, s.link AS s_link
            FROM documents d
            JOIN stages s ON s.document_id = d.id
                AND s.idx = (SELECT MAX(m.idx) FROM stages m WHERE m.document_id = d.id)
            JOIN waiting w ON w.template_id = d.template_id AND w.template_version = d.template_version
                AND w.stage = s.stage AND w.decision = COALESCE({decision}, '')
            ORDER BY {time}, d.id
            LIMIT ?"""
        rows = self.storage.db.query(sql, [*(v for state in states for v in state), limit])
        pending = []
        for row in rows:
            values_ = dict(row)
            stage_row = {key: values_.pop("s_" + key) for key in
                         ("idx", "stage", "payload_sha256", "docx_sha256", "pdf_sha256", "link")}
            document = StoredDocument.from_row(values_)  # type: ignore[arg-type]
            latest = StoredStage.from_row({"document_id": document.id, **stage_row})  # type: ignore[arg-type]
            step = self.expected(document, [latest])
            if step is not None and step[0].role in principal.roles:
                pending.append(Pending(document, latest, step[0], step[1]))
        return pending

    def approve(self, principal: Principal, document_id: str, approval: Approval) -> StoredStage:
        document = self.storage.document(document_id)
        stages = self.storage.stages(document_id)
        refuse_if_void(document, stages)  # a void ends the chain, whatever stage was due
        step = self.expected(document, stages)
        if step is None:
            raise Conflict("审批流程已经结束，不能再签署")
        stage, _ = step
        self._authorise(principal, document, stage, approval.stage)
        self._check(stage, approval)
        release = self.catalogue.get(document.template_id, document.template_version)
        data = self.storage.payload(stages[-1].payload_sha256)
        if stage.id == ISSUANCE and approval.data is not None:
            try:
                data = self.catalogue.validated(release, approval.data)
            except ValidationFailed as exc:
                raise exc.under("/data") from None
        self.stages.preflight()
        signer = self.authority.signer(principal.id)
        previous = stages[-1]
        manifest = chain.Manifest(tuple(s.link for s in stages))
        now = chain.utc_now()
        round_ = step[1]
        opinions = [Opinion.of(s.link) for s in stages]
        opinions.append(Opinion(round_, stage.id, approval.decision, approval.opinion, signer.name, now))

        def extend(content: bytes) -> chain.Manifest:
            return chain.extend(manifest, self.storage.blobs.get(previous.pdf_sha256), content, stage=stage.id,
                                role=stage.role, signer=signer, decision=approval.decision,
                                opinion=approval.opinion, time=now)

        produced = self.stages.produce(release, data, document.doc_number or "", signer, opinions, extend)
        payload_sha256 = self.storage.blobs.put(canonical_json(data))
        with self.storage.db.transaction() as conn:
            latest = conn.execute("SELECT MAX(idx) FROM stages WHERE document_id = ?", (document_id,)).fetchone()[0]
            if latest != previous.idx:
                raise Conflict(f"环节 {previous.idx + 1} 已由另一请求签署")
            stored = self.stages.store(conn, document_id, payload_sha256, produced)
            self._update_review_due(conn, release.workflow, produced.manifest.last)
        return stored

    def _authorise(self, principal: Principal, document: StoredDocument, expected: WorkflowStage,
                   requested: str) -> None:
        """403 before 409: a principal who could not sign the requested stage (or any stage of the
        workflow) learns nothing about where the document stands; a signer who asks out of turn
        hears which stage is due."""
        flow = self.catalogue.get(document.template_id, document.template_version).workflow
        asked = flow.stage(requested)
        if asked is not None:
            principal.require(asked.role)
        elif not set(principal.roles) & {s.role for s in flow.stages}:
            principal.require(expected.role)
        if requested != expected.id:
            raise Conflict(f"当前应签署“{expected.label}”（{expected.id}），不是 {requested}")
        principal.require(expected.role)

    @staticmethod
    def _check(stage: WorkflowStage, approval: Approval) -> None:
        """Decision among the stage's, a reason where the seed asks for one, printable text."""
        issues = []
        if stage.decisions and approval.decision not in stage.decisions:
            issues.append(Issue("/decision", f"“{stage.label}”的决定应为以下之一：{'、'.join(stage.decisions)}"))
        if not stage.decisions and approval.decision is not None:
            issues.append(Issue("/decision", f"“{stage.label}”不需要决定"))
        if approval.decision in stage.reason_required and not (approval.opinion or "").strip():
            issues.append(Issue("/opinion", f"决定“{approval.decision}”须说明理由"))
        if approval.opinion is not None:
            if len(approval.opinion) > MAX_OPINION:
                issues.append(Issue("/opinion", f"意见不能超过 {MAX_OPINION} 个字符"))
            issues += unsafe_text(approval.opinion, ("opinion",))
        if stage.id != ISSUANCE and approval.data is not None:
            issues.append(Issue("/data", "只有退回后重新送审时才能更正案件数据"))
        if issues:
            raise ValidationFailed(issues)

    def _update_review_due(self, conn: Any, workflow: Any, link: chain.Link) -> None:
        """Start the 法制审核 period when the table reaches the legal department."""
        period = workflow.review_period
        if period is None or link.stage != period.starts_after:
            return
        start = chain.parse_time(link.time).astimezone(self.stages.zone).date()
        due, latest = period.due(start, self.calendar)
        review_due = {"stage": period.stage, "starts": start.isoformat(), "due": due.isoformat(),
                      "extended_limit": latest.isoformat()}
        conn.execute("UPDATE documents SET review_due = ? WHERE id = ?", (json.dumps(review_due), link.document_id))
