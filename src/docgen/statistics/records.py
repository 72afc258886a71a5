"""What the statistics are computed from: a snapshot of the signed record, as plain frozen values.

``collect.py`` reads it from storage; ``figures.py`` computes over it and never
touches storage, so the same snapshot always gives the same figures, and a
test can build one by hand. Only documents with at least one signed stage are
in it (issuance is stage 0), each with the payload of its latest signed stage —
what was last signed — and every stage's round, decision and local date.

A document whose chain ends in a void (作废) stays in the snapshot (``records``,
so its department is known) but is no issued decision: ``Snapshot.of``, which
every figure counts through, leaves it out, and ``Snapshot.voided`` gives it
to the figures that count voided documents apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from ..workdays import Calendar
from ..workflow import VOID

#: The department a record is counted under when its case names none (or it belongs to no case).
NO_DEPARTMENT = "（未注明承办部门）"


@dataclass(frozen=True)
class Signed:
    """One signed stage of a document: where it stands in the chain and the day it was signed."""

    index: int
    round: int
    stage: str
    decision: str | None
    day: date
    """The stage's signed time as a date in the agency's time zone."""


@dataclass(frozen=True)
class Record:
    """One issued, signed document."""

    id: str
    template_id: str
    title: str
    doc_number: str | None
    case_id: str | None
    department: str
    data: Mapping[str, Any]
    stages: tuple[Signed, ...]

    def value(self, *path: str) -> Any:
        node: Any = self.data
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def day(self, *path: str) -> date | None:
        """A date field of the payload (``None`` when absent or not a date)."""
        value = self.value(*path)
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None

    @property
    def void(self) -> bool:
        """Its chain ends in a void (作废): not an issued decision."""
        return bool(self.stages) and self.stages[-1].stage == VOID

    @property
    def voided_on(self) -> date | None:
        """The day of the void, when it is void."""
        return self.stages[-1].day if self.void else None

    @property
    def approved_on(self) -> date | None:
        """For a 审批表 (立案, 结案 …): the day its last stage approved it (机关负责人 同意), else ``None``.

        Only a finished approval counts: a table still waiting, or refused at the last
        stage, has not decided anything.
        """
        if len(self.stages) > 1 and self.stages[-1].stage == "agency_head" and self.stages[-1].decision == "同意":
            return self.stages[-1].day
        return None


@dataclass(frozen=True)
class MediaDay:
    """A 音像记录 of a case and the day it was recorded."""

    case_id: str
    media_id: str
    day: date


@dataclass(frozen=True)
class DeadlineRow:
    """One statutory deadline of a case (``cases/deadlines.py``) as of the snapshot's day."""

    case_id: str
    kind: str
    """The rule's id without the document it was counted from (``coercive``, ``payment`` …)."""
    title: str
    status: str
    day: date
    """The day it is dated by: its due date, else the day it started."""
    document_id: str | None


@dataclass(frozen=True)
class Publicity:
    """The publicity (公示) record of a signed decision (``publicity/record.py``)."""

    document_id: str
    status: str
    """``due``, ``published``, ``withdrawn``, ``not_published`` or ``void`` as stored."""
    decided_on: date
    """The decision's 决定日期: what the record is dated by."""
    due_on: date
    published_on_time: bool | None
    """For a decision recorded as published (also one withdrawn since): within its due date."""
    withheld: str | None
    """For one not published: ``approved`` (拟不予公开, approved and signed) or ``automatic`` (a rule, e.g. a minor)."""
    void: bool = False
    """The decision's chain ends in a void (作废): it is no decision to publish, whatever the record's state."""


@dataclass(frozen=True)
class Snapshot:
    records: tuple[Record, ...]
    """Sorted by id, so every list derived from it has one order."""
    media: tuple[MediaDay, ...]
    deadlines: tuple[DeadlineRow, ...]
    calendar: Calendar
    as_of: date
    """The day deadlines were judged on: the year's last day, or today for the current year."""
    publicity: tuple[Publicity, ...] = ()
    """The publicity records of the decisions in ``records``, sorted by document id."""

    def of(self, *templates: str) -> list[Record]:
        """The issued documents of these templates, void ones (作废) left out."""
        return [r for r in self.records if r.template_id in templates and not r.void]

    def voided(self, *templates: str) -> list[Record]:
        """The void documents (作废) of these templates."""
        return [r for r in self.records if r.template_id in templates and r.void]

    def departments(self) -> list[str]:
        return sorted({r.department for r in self.records})

    def only(self, department: str) -> "Snapshot":
        """The part of the record one department handled (its cases' documents, media and deadlines)."""
        records = tuple(r for r in self.records if r.department == department)
        cases = {r.case_id for r in records if r.case_id}
        ids = {r.id for r in records}
        return Snapshot(records, tuple(m for m in self.media if m.case_id in cases),
                        tuple(d for d in self.deadlines if d.case_id in cases), self.calendar, self.as_of,
                        tuple(p for p in self.publicity if p.document_id in ids))
