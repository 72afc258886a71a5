"""Signature workflows: which stage follows which, who signs it, which decisions exist.

A workflow is data, released with a template version
(``templates/_workflows/*.json``, pinned in the manifest). The service uses it
to decide what may be signed next; the offline verifier, reading the same
stages from the trust bundle, uses the same ``next_step`` to judge a chain.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from .errors import TemplateError, VerificationError
from .workdays import DEFAULT, Calendar

ISSUANCE = "issuance"
#: Voiding (作废, ``voiding.py``): a stage outside every workflow that may end any chain, signed by
#: one of the agency's ``void_roles`` (listed in the trust bundle), with this decision and a reason.
VOID = "void"
VOID_DECISION = "作废"
VOID_LABEL = "作废"
_KEYS = {"index", "id", "label", "role", "decisions", "returns"}


@dataclass(frozen=True)
class WorkflowStage:
    """One stage of a template version's approval workflow."""

    index: int
    id: str
    label: str
    role: str
    decisions: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()
    reason_required: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "label": self.label, "role": self.role,
                "decisions": list(self.decisions), "returns": list(self.returns),
                "reason_required": list(self.reason_required)}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> "WorkflowStage":
        if not isinstance(data, dict) or not _KEYS <= set(data) <= _KEYS | {"reason_required"}:
            raise VerificationError(f"{where}：应含 index、id、label、role、decisions、returns（可含 reason_required）")
        if type(data["index"]) is not int:
            raise VerificationError(f"{where}：index 应为整数")
        for key in ("id", "label", "role"):
            if not isinstance(data[key], str) or not data[key]:
                raise VerificationError(f"{where}：{key} 应为非空字符串")
        for key in ("decisions", "returns", "reason_required"):
            values = data.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise VerificationError(f"{where}：{key} 应为字符串数组")
        if not set(data["returns"]) | set(data.get("reason_required", [])) <= set(data["decisions"]):
            raise VerificationError(f"{where}：returns 与 reason_required 中的决定必须出现在 decisions 中")
        return cls(data["index"], data["id"], data["label"], data["role"], tuple(data["decisions"]),
                   tuple(data["returns"]), tuple(data.get("reason_required", [])))


@dataclass(frozen=True)
class ReviewPeriod:
    """The 法制审核 period of the seed: 10 working days, extendable to 20 with approval."""

    starts_after: str
    stage: str
    working_days: int
    extendable_to: int

    def due(self, start: date, calendar: Calendar = DEFAULT) -> tuple[date, date]:
        """(due date, latest extended due date), counting the working days of ``calendar`` (the
        agency's; Monday–Friday by default) after ``start``."""
        return calendar.add_working_days(start, self.working_days), calendar.add_working_days(start, self.extendable_to)


@dataclass(frozen=True)
class Workflow:
    stages: tuple[WorkflowStage, ...]
    review_period: ReviewPeriod | None = None

    def stage(self, stage_id: str) -> WorkflowStage | None:
        return next((stage for stage in self.stages if stage.id == stage_id), None)

    def label(self, stage_id: str) -> str:
        """The stage's label (作废 for a void, which no workflow lists), or its id if unknown."""
        if stage_id == VOID:
            return VOID_LABEL
        stage = self.stage(stage_id)
        return stage.label if stage else stage_id


def load(path: Path) -> Workflow:
    """Read a workflow file; stage indices follow the order of the file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        stages = tuple(WorkflowStage.from_dict({**stage, "index": n, "returns": stage.get("returns", [])},
                                               f"{path.name} stages[{n}]")
                       for n, stage in enumerate(raw["stages"]))
    except (KeyError, TypeError, VerificationError) as exc:
        raise TemplateError(f"流程文件 {path.name} 无效：{exc}") from exc
    if not stages or stages[0].id != ISSUANCE or stages[0].decisions:
        raise TemplateError(f"流程文件 {path.name} 应以无决定的 issuance 环节开始")
    period = raw.get("review_period")
    return Workflow(stages, ReviewPeriod(period["starts_after"], period["stage"], period["working_days"],
                                         period["extendable_to"]) if period else None)


def next_step(stages: Sequence[WorkflowStage], previous_stage: str, previous_decision: str | None,
              previous_round: int) -> tuple[WorkflowStage, int] | None:
    """The stage that must follow a link, and its round; None when the workflow has ended.

    A decision listed in its stage's ``returns`` sends the document back to the
    submitting department: the next link is a new round's issuance.
    """
    before = next((stage for stage in stages if stage.id == previous_stage), None)
    if before is None:
        return None
    if previous_decision is not None and previous_decision in before.returns:
        return stages[0], previous_round + 1
    if before.index + 1 < len(stages):
        return stages[before.index + 1], previous_round
    return None
