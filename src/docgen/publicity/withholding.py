"""Not publishing a decision (拟不予公开): a proposal with its reason, then an approval by the agency's
configured role (``publicity.not_publish_role``), signed.

The seed's (一)4 requires an 审核审批 for 拟不予公开的行政执法信息. The approval is
signed the way every stage of a document is: a ``docgen-chain/1`` link
(``chain.sign_link``) by the approver's key, whose content hash is that of the
proposal (canonical JSON: document, reason, basis, proposer, time) and whose
previous file and link are the decision's latest signed stage, so the approval
names exactly which signed decision it withholds. The link is kept in the record
(it is not appended to the decision's own chain: the decision's workflow ends at
its issuance, and its served file must not change).
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

from .. import chain
from ..errors import Conflict, Issue, ValidationFailed
from ..jsontext import canonical_json
from ..pki import Authority
from ..principals import Principal
from ..storage import Storage
from ..timefmt import record_now
from .record import DUE, NOT_PUBLISHED, STATUS_LABELS, PublicityStore, Record

STAGE = "not_publish_approval"
DECISIONS = ("同意", "不同意")
BASIS = "株洲市市场监督管理局《三项制度工作安排》第（一）部分第4项：拟不予公开的行政执法信息经审核审批"


class Withholding:
    def __init__(self, store: PublicityStore, storage: Storage, authority: Authority) -> None:
        self.store = store
        self.storage = storage
        self.authority = authority

    def propose(self, caller: Principal, document_id: str, reason: str, basis: str) -> Record:
        """拟不予公开: needs a reason; the record stays due (its deadline runs) until the approval."""
        if not reason.strip():
            raise ValidationFailed([Issue("/reason", "拟不予公开须写明理由（如：涉及国家秘密、商业秘密、个人隐私）")])
        with self.store.db.transaction() as conn:
            record = self.store.locked(conn, document_id)
            if record.status != DUE:
                raise Conflict(f"公示记录的状态是“{STATUS_LABELS[record.status]}”，只有待公示的才能拟不予公开")
            proposal = {"reason": reason, "basis": basis, "proposed_by": caller.id, "proposer": caller.name,
                        "proposed_at": record_now(), "status": "pending", "approver_role": self.store.settings.not_publish_role}
            return self.store.save(conn, replace(record, detail={**record.detail, "not_published": proposal}),
                                   "not_publish_proposed", caller.id, {"reason": reason, "basis": basis})

    def approve(self, caller: Principal, document_id: str, decision: str, opinion: str) -> Record:
        """The configured role decides (403 for any other); 同意 makes the record ``not_published``, signed."""
        caller.require(self.store.settings.not_publish_role)
        if decision not in DECISIONS:
            raise ValidationFailed([Issue("/decision", f"decision 只能是 {'、'.join(DECISIONS)}")])
        if decision == "不同意" and not opinion.strip():
            raise ValidationFailed([Issue("/opinion", "不同意的，须写明意见")])
        document = self.storage.document(document_id)
        stages = self.storage.stages(document_id)
        last = stages[-1]
        signer = self.authority.signer(caller.id)
        with self.store.db.transaction() as conn:
            record = self.store.locked(conn, document_id)
            proposal = record.detail.get("not_published") or {}
            if record.status != DUE or proposal.get("status") != "pending":
                raise Conflict("没有待审批的不予公开申请")
            content = canonical_json({"document_id": document_id, **{k: proposal[k] for k in (
                "reason", "basis", "proposed_by", "proposed_at")}})
            link = chain.sign_link(
                index=last.link.index + 1, round=last.link.round, stage=STAGE, role=self.store.settings.not_publish_role,
                decision=decision, opinion=opinion or None, time=chain.utc_now(),
                content_sha256=hashlib.sha256(content).hexdigest(), content_length=len(content),
                previous_file_sha256=last.pdf_sha256, previous_link_sha256=last.link.link_sha256,
                document_id=document_id, installation_id=self.authority.installation_id,
                template=document.template_id, template_version=document.template_version, signer=signer)
            decided = {**proposal, "status": "approved" if decision == "同意" else "refused", "decision": decision,
                       "opinion": opinion, "approver": caller.name, "approved_by": caller.id, "link": link.to_dict(),
                       "rule": BASIS}
            status = NOT_PUBLISHED if decision == "同意" else DUE
            return self.store.save(conn, replace(record, status=status, detail={**record.detail, "not_published": decided}),
                                   "not_publish_decided", caller.id,
                                   {"decision": decision, "opinion": opinion, "link_sha256": link.link_sha256})
