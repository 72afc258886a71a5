"""The policy: whether a chain is an allowed one for the bundle's installation, roles and workflows.

Mechanics (hashes, signatures) are the verifier's; the policy judges only what
the links claim against what the trust bundle allows (a void, 作废, may end
any chain, in one of the bundle's ``void_roles``), as sigstore-python keeps
its policies apart from its verifier. A failure here makes the report not
*conforming* (workflow, roles, time order) or not *trusted* (another
installation).
"""
from __future__ import annotations

from typing import Mapping, Sequence

from ..chain import ISSUANCE, Link
from ..trust import TrustBundle, TrustedSigner, workflow_key
from ..workflow import VOID, VOID_DECISION, VOID_LABEL, WorkflowStage, next_step
from .models import Failure, FailureCode


class VerificationPolicy:
    """Judges a chain against the bundle's installation, signer roles and workflows."""

    def __init__(self, installation_id: str, workflows: Mapping[str, Sequence[WorkflowStage]],
                 signers: Mapping[str, TrustedSigner], void_roles: Sequence[str] = ()) -> None:
        self.installation_id = installation_id
        self.workflows = {key: tuple(stages) for key, stages in workflows.items()}
        self.signers = dict(signers)
        self.void_roles = tuple(void_roles)

    @classmethod
    def from_bundle(cls, trust: TrustBundle) -> "VerificationPolicy":
        return cls(trust.installation_id, trust.workflows,
                   {signer.certificate_sha256: signer for signer in trust.signers}, trust.void_roles)

    def _flow(self, link: Link) -> tuple[WorkflowStage, ...] | None:
        return self.workflows.get(workflow_key(link.template, link.template_version))

    def label(self, link: Link) -> str:
        if link.stage == VOID:
            return VOID_LABEL
        flow = self._flow(link) or ()
        return next((stage.label for stage in flow if stage.id == link.stage), link.stage)

    def is_complete(self, links: Sequence[Link]) -> bool:
        """The last link is the workflow's last stage with a decision that does not return it, or a
        void (作废), after which nothing may follow."""
        if not links:
            return False
        if links[-1].stage == VOID:
            return True
        flow = self._flow(links[-1])
        last = links[-1]
        return bool(flow) and last.stage == flow[-1].id and last.decision not in flow[-1].returns

    def judge(self, links: Sequence[Link]) -> list[Failure]:
        failures: list[Failure] = []

        def fail(code: FailureCode, message: str, link: Link, detail: str | None = None) -> None:
            failures.append(Failure(code, message, link.index, detail=detail))

        if not links:
            return failures
        flow = self._flow(links[0])
        if flow is None:
            fail(FailureCode.WORKFLOW_UNKNOWN, f"信任包中没有“{links[0].template}”第 {links[0].template_version} "
                 "版的审批流程", links[0])
        by_id = {stage.id: stage for stage in flow or ()}
        previous: Link | None = None
        for link in links:
            if link.installation_id != self.installation_id:
                fail(FailureCode.FOREIGN_INSTALLATION, "环节来自另一套系统，不是信任包所属的系统签发的", link,
                     f"环节的安装标识 {link.installation_id}，信任包的 {self.installation_id}")
            if previous is not None and link.time < previous.time:
                fail(FailureCode.TIME_ORDER, f"环节时间 {link.time} 早于前一环节的 {previous.time}", link)
            if previous is not None and previous.stage == VOID:
                fail(FailureCode.WORKFLOW_VIOLATION, f"文书已在环节 {previous.index} 作废，其后不应再有环节", link)
            stage = by_id.get(link.stage)
            if link.stage == VOID:
                failures.extend(self._void(link, previous))
            elif flow is not None:
                failures.extend(self._sequence(link, previous, stage, by_id, flow))
            if stage is not None and link.role != stage.role:
                fail(FailureCode.WRONG_ROLE, f"环节“{stage.label}”应由 {stage.role} 签署，环节记录的角色却是 "
                     f"{link.role}", link)
            signer = self.signers.get(link.certificate_sha256)
            if signer is not None and link.role not in signer.roles:
                fail(FailureCode.WRONG_ROLE, f"签名人 {signer.name} 的证书角色为 {', '.join(signer.roles)}，"
                     f"不含 {link.role}", link)
            previous = link
        return failures

    def _void(self, link: Link, previous: Link | None) -> list[Failure]:
        """A void (作废) link: after some stage, in a role the bundle lets void, with 作废 and a reason."""
        out: list[Failure] = []
        if previous is None or link.round != previous.round:
            out.append(Failure(FailureCode.WORKFLOW_VIOLATION, "作废应在已签发的文书之后、同一轮次中签署",
                               link.index))
        if link.role not in self.void_roles:
            allowed = "、".join(self.void_roles) or "（信任包没有规定可作废文书的角色）"
            out.append(Failure(FailureCode.WRONG_ROLE, f"作废应由 {allowed} 签署，环节记录的角色却是 {link.role}",
                               link.index))
        if link.decision != VOID_DECISION:
            out.append(Failure(FailureCode.WORKFLOW_VIOLATION, f"作废环节的决定应为“{VOID_DECISION}”，"
                               f"却记录了“{link.decision}”", link.index))
        if not (link.opinion or "").strip():
            out.append(Failure(FailureCode.WORKFLOW_VIOLATION, "作废环节没有写明作废原因", link.index))
        return out

    @staticmethod
    def _sequence(link: Link, previous: Link | None, stage: WorkflowStage | None,
                  by_id: Mapping[str, WorkflowStage], flow: Sequence[WorkflowStage]) -> list[Failure]:
        out: list[Failure] = []

        def violation(message: str) -> None:
            out.append(Failure(FailureCode.WORKFLOW_VIOLATION, message, link.index))

        if stage is None:
            violation(f"审批流程中没有环节“{link.stage}”")
            return out
        if stage.decisions and link.decision not in stage.decisions:
            violation(f"环节“{stage.label}”的决定“{link.decision}”不在允许的 {'、'.join(stage.decisions)} 之中")
        if not stage.decisions and link.decision is not None:
            violation(f"环节“{stage.label}”不应有决定，却记录了“{link.decision}”")
        if previous is None:
            if link.stage != ISSUANCE or link.round != 1:
                violation("链条应以第 1 轮签发开始")
            return out
        before = by_id.get(previous.stage)
        if before is None:
            return out  # already reported on the previous link
        step = next_step(flow, previous.stage, previous.decision, previous.round)
        if step is None:
            violation(f"审批流程已在“{before.label}”结束，其后不应再有环节")
            return out
        expected, expected_round = step
        if expected_round != previous.round:
            why = f"前一环节“{before.label}”决定{previous.decision}，文书应退回承办部门重新签发"
        else:
            why = f"“{before.label}”之后应为“{expected.label}”"
        if link.stage != expected.id:
            violation(f"{why}，实际为“{stage.label}”")
        if link.round != expected_round:
            violation(f"轮次应为 {expected_round}，实际为 {link.round}")
        return out
