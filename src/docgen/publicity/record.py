"""The publicity record of one decision: opened at issuance, then due → published → withdrawn (or not published).

One row per decision (``publicity_records``) holds its state; every change is
also appended to ``publicity_events``, and nothing is ever deleted: a withdrawn
record stays, with when, why and on what basis it came down. ``overdue`` is not
stored: it is a due record past its due date, today in the agency's zone.

A void (作废, ``voiding.py``) is no decision, so it is not published: the
``Voider.publicity`` hook (``voided``) runs inside the void's own writing
transaction. A ``due`` record becomes ``void`` (stored; nothing more may be
published or rendered); a ``published`` one stays ``published`` with the void
in its detail and shows as ``withdraw_due`` (derived, as ``overdue`` is) until
it is withdrawn, due ``withdraw_working_days`` after the void — docgen's
analogy to 公示规定第十一条, not a rule (docs/legal-notes.md); a record
``withdrawn`` or ``not_published`` gets the event only.

Each change is one transaction that first reads the record and checks the step
is allowed (409 naming the state otherwise), so a refused request changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Iterator

from ..agency import Agency
from ..cases import CaseStore
from ..errors import Conflict, Issue, NotFound, ValidationFailed
from ..database import Connection, Database, Row
from ..storage import StoredDocument
from ..chain import Link, VoidMark
from ..timefmt import instant, record_now
from ..workflow import VOID as VOID_STAGE
from . import rules

DUE, OVERDUE, PUBLISHED, WITHDRAWN, NOT_PUBLISHED = "due", "overdue", "published", "withdrawn", "not_published"
VOID, WITHDRAW_DUE = "void", "withdraw_due"
STATUSES = (DUE, OVERDUE, PUBLISHED, WITHDRAW_DUE, WITHDRAWN, NOT_PUBLISHED, VOID)
STATUS_LABELS = {DUE: "待公示", OVERDUE: "逾期未公示", PUBLISHED: "已公示", WITHDRAW_DUE: "已作废待撤回",
                 WITHDRAWN: "已撤回", NOT_PUBLISHED: "不予公开", VOID: "已作废（不再公示）"}
#: Each kind of ``publicity_events`` row in the pages' words (the history of ``/publicity/{id}``).
EVENT_LABELS = {"opened": "登记公示记录", "rendition_made": "生成公示文本", "corrected": "生成更正后的公示文本",
                "published": "已公示", "withdrawn": "撤回公示", "voided": "文书作废",
                "not_publish_proposed": "拟不予公开", "not_publish_decided": "不予公开审批"}
#: The states derived from a stored one on reading (and the stored state each is read from).
DERIVED = {OVERDUE: DUE, WITHDRAW_DUE: PUBLISHED}
#: What a withdrawal after a void is based on when the officer names nothing else.
VOID_WITHDRAW_REASON = "文书已作废，不再公示"


@dataclass(frozen=True)
class Record:
    document_id: str
    case_id: str | None
    template_id: str
    status: str
    """Stored state; ``state(today)`` adds ``overdue`` and ``withdraw_due``."""
    decided_on: str
    due_on: str
    rule: dict[str, Any]
    detail: dict[str, Any]
    opened_at: str
    updated_at: str
    events: tuple[dict[str, Any], ...] = field(default=())

    @classmethod
    def from_row(cls, row: Row, events: tuple[dict[str, Any], ...] = ()) -> "Record":
        values = dict(row)
        values["rule"], values["detail"] = json.loads(values["rule"]), json.loads(values["detail"])
        return cls(**values, events=events)

    @property
    def void(self) -> dict[str, Any] | None:
        """The void of the decision (reason, signer, time, ``voided_on``, stage index …), if it was voided
        while due or published (``voided``)."""
        return self.detail.get("void")

    def state(self, today: date) -> str:
        if self.status == DUE and date.fromisoformat(self.due_on) < today:
            return OVERDUE
        if self.status == PUBLISHED and self.void:
            return WITHDRAW_DUE
        return self.status

    def days_left(self, today: date) -> int | None:
        """Calendar days to the due date (negative once overdue) while it is due; to the withdrawal's due
        date while a voided decision is still published."""
        if self.status == DUE:
            return (date.fromisoformat(self.due_on) - today).days
        if self.status == PUBLISHED and self.void:
            return (date.fromisoformat(self.void["withdraw_due_on"]) - today).days
        return None


class PublicityStore:
    """Records of one installation; ``opened`` is the issuer's hook inside the issuing transaction."""

    def __init__(self, db: Database, agency: Agency) -> None:
        self.db = db
        self.agency = agency
        self.settings = agency.publicity

    def today(self) -> date:
        return datetime.now(self.agency.timezone).date()

    # -- opening, at issuance ------------------------------------------------------------------------
    def opened(self, conn: Connection, document: StoredDocument, data: Any, case_id: str | None) -> None:
        """Open the record of a freshly issued decision the rules say to publish; nothing for any other."""
        found = rules.applies(self.settings, document.template_id, data)
        if found.rule is None:
            return
        decided = rules.decision_date(data) or date.fromisoformat(document.created_at[:10])
        due, note = rules.due_on(self.agency.calendar, decided, found.rule.working_days)
        status = NOT_PUBLISHED if found.withheld else DUE
        detail: dict[str, Any] = {"doc_number": document.doc_number, "title": document.title,
                                  "party": (data.get("party") or {}).get("name")}
        if found.withheld:
            detail["not_published"] = {"reason": found.withheld, "automatic": True}
        now = record_now()
        conn.execute("INSERT INTO publicity_records (document_id, case_id, template_id, status, decided_on, due_on,"
                     " rule, detail, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (document.id, case_id, document.template_id, status, decided.isoformat(), due.isoformat(),
                      _dump({"working_days": found.rule.working_days, "basis": found.rule.basis, "note": note}),
                      _dump(detail), now, now))
        opened = {"due_on": due.isoformat(), "status": status, **({"note": note} if note else {})}
        self.event(conn, document.id, "opened", document.created_by, opened)
        if case_id is not None:  # the case's timeline shows it too
            CaseStore.record(conn, case_id, "publicity_opened", document.created_by,
                             {"document_id": document.id, "doc_number": document.doc_number, **opened})

    # -- reading -------------------------------------------------------------------------------------
    def find(self, document_id: str) -> Record | None:
        row = self.db.query_one("SELECT * FROM publicity_records WHERE document_id = ?", document_id)
        return None if row is None else Record.from_row(row, tuple(self.events(document_id)))

    def get(self, document_id: str) -> Record:
        found = self.find(document_id)
        if found is None:
            raise Conflict(f"文书 {document_id} 不是需要公示的决定（或不存在）：没有公示记录")
        return found

    def events(self, document_id: str) -> Iterator[dict[str, Any]]:
        rows = self.db.query(
            "SELECT seq, kind, time, actor, detail FROM publicity_events WHERE document_id = ? ORDER BY seq",
            (document_id,))
        for row in rows:
            yield {**dict(row), "detail": json.loads(row["detail"])}

    def list(self, status: str | None = None, case_id: str | None = None) -> list[Record]:
        """Records by state (``overdue`` is ``due`` past its date, ``withdraw_due`` a voided ``published``),
        earliest due first."""
        if status is not None and status not in STATUSES:
            raise ValidationFailed([Issue("/status", f"status 只能是 {'、'.join(STATUSES)}")])
        stored = DERIVED.get(status, status) if status else None
        sql, params = "SELECT * FROM publicity_records", []
        where = []
        if stored:
            where.append("status = ?")
            params.append(stored)
        if case_id:
            where.append("case_id = ?")
            params.append(case_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.query(sql + " ORDER BY due_on, document_id", params)
        today = self.today()
        records = [Record.from_row(row) for row in rows]
        if stored in DERIVED.values():
            records = [r for r in records if r.state(today) == status]
        return records

    # -- changing ------------------------------------------------------------------------------------
    @staticmethod
    def event(conn: Connection, document_id: str, kind: str, actor: str, detail: dict[str, Any]) -> None:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM publicity_events WHERE document_id = ?",
                           (document_id,)).fetchone()[0]
        conn.execute("INSERT INTO publicity_events (document_id, seq, kind, time, actor, detail)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (document_id, seq, kind, record_now(), actor, _dump(detail)))

    def locked(self, conn: Connection, document_id: str) -> Record:
        """The record as this transaction sees it (writers are serialised: ``Database.transaction``)."""
        row = conn.execute("SELECT * FROM publicity_records WHERE document_id = ?", (document_id,)).fetchone()
        if row is None:
            raise Conflict(f"文书 {document_id} 不是需要公示的决定（或不存在）：没有公示记录")
        return Record.from_row(row)

    def save(self, conn: Connection, record: Record, kind: str, actor: str,
             detail: dict[str, Any]) -> Record:
        updated = replace(record, updated_at=record_now())
        conn.execute("UPDATE publicity_records SET status = ?, detail = ?, updated_at = ? WHERE document_id = ?",
                     (updated.status, _dump(updated.detail), updated.updated_at, updated.document_id))
        self.event(conn, record.document_id, kind, actor, detail)
        return updated

    def published(self, actor: str, document_id: str, platform: str, url: str, published_at: str,
                  data: Any) -> Record:
        """Record that the public rendition is up (409 before it exists, or once withdrawn / not published)."""
        issues = [Issue(f"/{name}", message) for name, value, message in (
            ("platform", platform, "应写明公示平台，如 国家企业信用信息公示系统"),
            ("url", url, "应为公示页面的 http(s) 地址")) if not value.strip()
            or (name == "url" and not value.startswith(("https://", "http://")))]
        try:
            published_on = datetime.fromisoformat(published_at).date() if "T" in published_at \
                else date.fromisoformat(published_at)
        except ValueError:
            issues.append(Issue("/published_at", "应为日期（YYYY-MM-DD）或 ISO 8601 时间"))
            published_on = None
        if published_on is not None and published_on > self.today():
            issues.append(Issue("/published_at", "公示日期不能晚于今天：登记的是已经公示的日期"))
        if issues:
            raise ValidationFailed(issues)
        with self.db.transaction() as conn:
            record = self.locked(conn, document_id)
            refuse_if_void(record)
            if record.status != DUE:
                raise Conflict(f"公示记录的状态是“{STATUS_LABELS[record.status]}”，不能再登记公示")
            if not record.detail.get("rendition"):
                raise Conflict("公示文本尚未生成：先生成公示文本（POST …/publicity/rendition），再登记公示")
            assert published_on is not None
            span = rules.period(self.settings, data, published_on)
            entry = {"platform": platform, "url": url, "published_at": published_at,
                     "on_time": published_on <= date.fromisoformat(record.due_on),
                     "period_end": span.end.isoformat(), "period_months": span.months, "period_note": span.note}
            return self.save(conn, replace(record, status=PUBLISHED, detail={**record.detail, "published": entry}),
                             "published", actor, entry)

    def withdraw(self, actor: str, document_id: str, reason: str, basis: str, changed_on: str | None) -> Record:
        """Take a published decision down after it was changed or revoked: due 3 working days after the change.

        A voided decision still published (``withdraw_due``) is taken down the same way: by default the
        void's day is ``changed_on``, the basis 文书已作废：<reason> and the reason 文书已作废，不再公示;
        its entry names docgen's rule (``rules.VOID_WITHDRAW_BASIS``), not 第十一条."""
        found = self.find(document_id)
        void = found.void if found is not None and found.status == PUBLISHED else None
        if void:
            reason = reason if reason.strip() else VOID_WITHDRAW_REASON
            basis = basis if basis.strip() else f"文书已作废：{void['reason']}"
            changed_on = changed_on or void["voided_on"]
        issues = []
        if not reason.strip():
            issues.append(Issue("/reason", "撤回公示须说明理由（公示规定第十一条）"))
        if not basis.strip():
            issues.append(Issue("/basis", "撤回公示须写明依据，如 复议决定书文号"))
        try:
            changed = date.fromisoformat(changed_on) if changed_on else self.today()
        except ValueError:
            issues.append(Issue("/changed_on", "应为日期（YYYY-MM-DD）：决定被变更、撤销或确认违法、无效之日"))
            changed = self.today()
        if changed > self.today():
            issues.append(Issue("/changed_on", "决定被变更、撤销之日不能晚于今天"))
        if issues:
            raise ValidationFailed(issues)
        with self.db.transaction() as conn:
            record = self.locked(conn, document_id)
            if record.status != PUBLISHED:
                raise Conflict(f"公示记录的状态是“{STATUS_LABELS[record.status]}”，只有已公示的才能撤回")
            due, note = rules.due_on(self.agency.calendar, changed, self.settings.withdraw_working_days)
            today = self.today()
            entry = {"reason": reason, "basis": basis, "changed_on": changed.isoformat(), "due_on": due.isoformat(),
                     "withdrawn_on": today.isoformat(), "on_time": today <= due,
                     "rule": rules.VOID_WITHDRAW_BASIS if record.void else rules.WITHDRAW_BASIS,
                     **({"note": note} if note else {})}
            return self.save(conn, replace(record, status=WITHDRAWN, detail={**record.detail, "withdrawn": entry}),
                             "withdrawn", actor, entry)

    # -- a void, inside the void's writing transaction ---------------------------------------------------
    def voided(self, conn: Connection, document_id: str, mark: VoidMark) -> Record | None:
        """The ``Voider.publicity`` hook: what the void of ``document_id`` does to its record (none: nothing).

        ``due`` → ``void``; ``published`` keeps its state with the void in its detail and its withdrawal
        due ``withdraw_working_days`` after the void's day (``withdraw_due``); any other state: the event.
        """
        row = conn.execute("SELECT * FROM publicity_records WHERE document_id = ?", (document_id,)).fetchone()
        if row is None:
            return None
        record = Record.from_row(row)
        on = instant(mark.time).astimezone(self.agency.timezone).date()
        entry: dict[str, Any] = {"reason": mark.reason, "signer": mark.signer, "voided_by": mark.principal_id,
                                 "role": mark.role, "time": mark.time, "voided_on": on.isoformat(),
                                 "stage_index": mark.index, "status_before": record.status}
        if record.status == DUE:
            return self.save(conn, replace(record, status=VOID, detail={**record.detail, "void": entry}),
                             "voided", mark.principal_id, entry)
        if record.status == PUBLISHED:
            due, note = rules.due_on(self.agency.calendar, on, self.settings.withdraw_working_days)
            entry.update(withdraw_due_on=due.isoformat(), rule=rules.VOID_WITHDRAW_BASIS, **({"note": note} if note else {}))
            return self.save(conn, replace(record, detail={**record.detail, "void": entry}),
                             "voided", mark.principal_id, entry)
        self.event(conn, document_id, "voided", mark.principal_id, entry)
        return record


    def reconcile_voids(self) -> int:
        """Give every record of a decision voided before voids reached publicity (an installation of the
        previous release) what ``voided`` would have done then; how many. A record with a ``voided`` event
        is done, so this runs at every start (``Service.claim``), from any number of servers: each record is
        looked at again inside its own writing transaction."""
        pending = self.db.query(
            "SELECT DISTINCT r.document_id FROM publicity_records r JOIN stages s ON s.document_id = r.document_id"
            " WHERE s.stage = ? AND NOT EXISTS (SELECT 1 FROM publicity_events e WHERE e.document_id = r.document_id"
            " AND e.kind = 'voided') ORDER BY r.document_id", (VOID_STAGE,))
        done = 0
        for document_id in [row[0] for row in pending]:
            with self.db.transaction() as conn:
                if conn.execute("SELECT 1 FROM publicity_events WHERE document_id = ? AND kind = 'voided'",
                                (document_id,)).fetchone():
                    continue
                row = conn.execute("SELECT link FROM stages WHERE document_id = ? AND stage = ? ORDER BY idx DESC",
                                   (document_id, VOID_STAGE)).fetchone()
                mark = VoidMark.of([Link.from_dict(json.loads(row[0]))])
                if mark is not None:
                    self.voided(conn, document_id, mark)
                    done += 1
        return done


def refuse_if_void(record: Record) -> None:
    """409 naming the void, for a record whose decision was voided: nothing more is published or rendered."""
    void = record.void
    if void:
        raise Conflict(f"{record.detail.get('doc_number') or '该决定'} 已于 {void['time']} 由 {void['signer']} 作废"
                       f"（作废原因：{void['reason']}），不再公示")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


__all__ = ["EVENT_LABELS", "PublicityStore", "Record", "STATUSES", "STATUS_LABELS", "NotFound", "refuse_if_void"]
