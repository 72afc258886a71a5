"""Voiding (作废): one more signed stage, on the same hash chain, that marks a document void.

A 文书编号 issued in error cannot be taken back: numbering is gap-free, so the
number stays issued and the register (``register.py``) must say what became of
it. Voiding appends a link to the document's chain — stage ``void``, decision
作废, the reason as its opinion — signed by a principal holding one of the
agency's ``void_roles`` (agency profile; ``director`` by default). Its PDF is
the previous stage's page exactly as signed with a 作废 stamp (reason, who,
date) over it (``Stages.stamped``), so the latest file says void on its face
and in its manifest, and the offline verifier reports it. The earlier stage
files stay as they were and stay downloadable.

Rules, in the order they are checked:

- an unknown document is 404; a principal without a void role 403 (before
  anything about the document's state is said);
- an empty, overlong or unprintable reason is 422 at ``/reason``;
- a document already void is 409, naming when, by whom and why.
- Voiding while an approval is pending is allowed, and ends the workflow: no
  stage may follow a void (``Approver.approve`` answers 409, the inbox drops
  the document, the verifier calls a stage after a void a violation). A review
  table sent in error is the case this is for; making six officers sign it
  first would be absurd.
- A decision with a publicity (公示) record: the ``publicity`` hook
  (``publicity.PublicityStore.voided``, set by the service as it sets
  ``Issuer.publicity``) changes the record in the same transaction as the
  stage, so the void and what it does to publicity commit together or not at all.
- A concurrent approval or void of the same document: exactly one is stored
  (the ``MAX(idx)`` check inside the writing transaction), the other gets 409.
  Nothing is written before that transaction but content-addressed blobs,
  which no row refers to if it fails.
"""
from __future__ import annotations

from typing import Any, Iterable

from . import chain
from .chain import VoidMark
from .errors import Conflict, Forbidden, Issue, ValidationFailed
from .principals import Principal
from .stages import Stages
from .stamping import StampLine, stamp_docx
from .storage import StoredDocument, StoredStage
from .validation import unsafe_text
from .workflow import VOID, VOID_DECISION, VOID_LABEL

#: Longest reason accepted (it is printed on the stamp and in the register).
MAX_REASON = 500
#: The stamp's red: strong enough to read over the text.
STAMP_RED = (0xE0, 0x4A, 0x4A)
#: Most characters of the reason the stamp prints (the whole reason is in the chain and the register).
STAMP_REASON = 90


def void_stamp_docx(reason: str, signer: str, day: str) -> bytes:
    """One A4 page: the reason, who voided it and on what day in the top margin, where the documents
    print nothing (so it stays legible), and 作废 in large red letters across the page."""
    shown = reason if len(reason) <= STAMP_REASON else reason[: STAMP_REASON - 1] + "…"
    return stamp_docx((StampLine(f"作废原因：{shown}　{signer}　{day}", 10), StampLine(VOID_LABEL, 130, 65)),
                      STAMP_RED)


def check_reason(reason: str | None) -> str:
    """The reason as stored (surrounding blanks removed), or 422 at ``/reason``."""
    text = (reason or "").strip()
    issues: list[Issue] = []
    if not text:
        issues.append(Issue("/reason", "作废原因（/reason）为必填项，不能为空"))
    elif len(text) > MAX_REASON:
        issues.append(Issue("/reason", f"作废原因（/reason）不能超过 {MAX_REASON} 个字符"))
    issues += unsafe_text(text, ("reason",))
    if issues:
        raise ValidationFailed(issues)
    return text


class Voider:
    """The void stage of any issued document, produced and stored through ``Stages``."""

    def __init__(self, stages: Stages, void_roles: Iterable[str]) -> None:
        self.stages = stages
        self.storage = stages.storage
        self.authority = stages.authority
        self.void_roles = tuple(void_roles)
        self.publicity: Any = None  # publicity.PublicityStore: a void decision is not published (``voided``)

    def may_void(self, principal: Principal) -> bool:
        return any(role in self.void_roles for role in principal.roles)

    def role_of(self, principal: Principal) -> str:
        """The void role the principal signs in (the first of theirs the agency lists), or 403."""
        role = next((r for r in self.void_roles if r in principal.roles), None)
        if role is None:
            raise Forbidden(f"{principal.name} 没有作废文书的角色（{'、'.join(self.void_roles)}）")
        return role

    def void(self, principal: Principal, document_id: str, reason: str | None) -> StoredStage:
        document = self.storage.document(document_id)
        role = self.role_of(principal)
        text = check_reason(reason)
        stages = self.storage.stages(document_id)
        refuse_if_void(document, stages)
        self.stages.preflight()
        signer = self.authority.signer(principal.id)
        previous = stages[-1]
        previous_pdf = self.storage.blobs.get(previous.pdf_sha256)
        manifest = chain.Manifest(tuple(s.link for s in stages))
        now = chain.utc_now()
        day = chain.parse_time(now).astimezone(self.stages.zone).date().isoformat()

        def extend(content: bytes) -> chain.Manifest:
            return chain.extend(manifest, previous_pdf, content, stage=VOID, role=role, signer=signer,
                                decision=VOID_DECISION, opinion=text, time=now)

        produced = self.stages.stamped(previous_pdf, previous.link, self.storage.blobs.get(previous.docx_sha256),
                                       void_stamp_docx(text, signer.name, day), signer, extend,
                                       reason=f"{VOID_LABEL}：{text[:100]}")
        with self.storage.db.transaction() as conn:
            latest = conn.execute("SELECT MAX(idx) FROM stages WHERE document_id = ?", (document_id,)).fetchone()[0]
            if latest != previous.idx:
                raise Conflict(f"文书在作废前刚签署了环节 {previous.idx + 1}，请刷新后重试")
            stored = self.stages.store(conn, document_id, previous.payload_sha256, produced)
            if self.publicity is not None:
                mark = VoidMark.of([stored.link])
                assert mark is not None
                self.publicity.voided(conn, document_id, mark)
            return stored


def refuse_if_void(document: StoredDocument, stages: list[StoredStage]) -> None:
    """409 naming the void, if the document's chain ends in one: nothing may follow it."""
    mark = VoidMark.of([s.link for s in stages])
    if mark is not None:
        name = document.doc_number or document.title
        raise Conflict(f"{name} 已于 {mark.time} 由 {mark.signer} 作废（作废原因：{mark.reason}），不能再签署或作废")
