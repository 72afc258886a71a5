"""The case (案件): data entered once, a 案件编号, and an append-only record of what happened.

A case holds what every instrument of the case repeats — 案由, 当事人, 承办人员,
案件来源, 发现日期, 立案日期, 程序 — checked against the same shared definitions
(``schemas/_defs``) as the instruments, so a case's party is a valid party of
any instrument. Its 案件编号 comes from the agency's configured prefix through
``numbering.Numbering``: gap-free per year, in creation order, like a 文书编号.

Nothing about a case is overwritten silently: a correction (PATCH) is an event
naming every changed field with its old and new value, and it never touches an
issued document (those are signed; a correction only reaches documents issued
after it). A closed case takes no new documents and no corrections.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from ..errors import Conflict, Issue, NotFound, ValidationFailed
from ..agency import as_agency
from ..numbering import Numbering
from ..database import Connection, Database, Row
from ..storage import StoredDocument
from ..timefmt import record_now
from ..validation import compile_validator
from ..workdays import Calendar
from . import media_fill
from .fill import merge

DEFS = "https://docgen.example/schemas/_defs/1"
#: The case's own fields, in the order the API and the pages show them (``department`` is optional).
FIELDS = ("cause", "party", "officers", "source", "discovered_on", "filed_on", "procedure")
SOURCES = ("监督检查", "投诉", "举报", "其他部门移送", "上级交办", "其他")
PROCEDURES = ("普通", "简易")
OPEN, CLOSED = "open", "closed"
STATUS_LABELS = {OPEN: "办理中", CLOSED: "已结案"}
#: The one instrument a closed case still takes: the 音像记录原件移交清单 goes to the archive with the bound
#: file, after 结案 ("执法人员应在移交执法案卷的同时，将音像记录的原件一并移交", the seed (二)3.3)).
AFTER_CLOSING = frozenset({"av-originals-transfer"})

#: The case's data, as a JSON Schema over the instruments' shared definitions: one set of rules and
#: Chinese messages for a party, whether it is typed into a case or into an instrument.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://docgen.example/schemas/_cases/case",
    "title": "案件",
    "type": "object",
    "additionalProperties": False,
    "required": list(FIELDS),
    "properties": {
        "cause": {"type": "string", "title": "案由", "minLength": 1, "maxLength": 200, "pattern": "^涉嫌",
                  "description": "涉嫌违法行为，以“涉嫌”开头，如“涉嫌经营超过保质期的食品”。"},
        "party": {"$ref": f"{DEFS}#/$defs/party", "title": "当事人"},
        "officers": {"type": "array", "title": "承办人员", "minItems": 2, "maxItems": 4,
                     "description": "两名以上具有行政执法资格的办案人员（程序规定第十九条第二款）。",
                     "items": {"$ref": f"{DEFS}#/$defs/officer", "title": "承办人员"}},
        "source": {"title": "案件来源", "enum": list(SOURCES)},
        "discovered_on": {"$ref": f"{DEFS}#/$defs/date", "title": "发现日期",
                          "description": "发现违法行为线索或者收到材料的日期（程序规定第十八条的起算日）。"},
        "filed_on": {"$ref": f"{DEFS}#/$defs/date", "title": "立案日期"},
        "procedure": {"title": "程序", "enum": list(PROCEDURES), "description": "普通程序或者简易程序。"},
        "department": {"type": "string", "title": "承办部门", "minLength": 1, "maxLength": 100,
                       "description": "承办案件的科室或者单位（可选）；行政执法统计年报按它分部门汇总。"},
    },
}


@dataclass(frozen=True)
class Case:
    id: str
    number: str
    status: str
    data: dict[str, Any]
    created_at: str
    created_by: str
    updated_at: str
    closed_at: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> "Case":
        return cls(row["id"], row["number"], row["status"], json.loads(row["data"]), row["created_at"],
                   row["created_by"], row["updated_at"], row["closed_at"])

    @property
    def party_name(self) -> str:
        return str(self.data["party"]["name"])

    @property
    def closed(self) -> bool:
        return self.status == CLOSED

    def day(self, field: str) -> date:
        return date.fromisoformat(self.data[field])


@dataclass(frozen=True)
class CaseEvent:
    """One entry of a case's timeline."""

    seq: int
    kind: str
    """created, updated, document_issued, media_added, closed, volume_built (stages are read from the chain)."""
    time: str
    actor: str
    """The principal id that caused it."""
    detail: dict[str, Any]

    @classmethod
    def from_row(cls, row: Row) -> "CaseEvent":
        return cls(row["seq"], row["kind"], row["time"], row["actor"], json.loads(row["detail"]))


@dataclass(frozen=True)
class Media:
    """One 音像记录 of a case: the stored file (by its sha256) and what the officers said of it."""

    id: str
    case_id: str
    position: int
    kind: str
    """photo, audio or video, read from the bytes."""
    media_type: str
    sha256: str
    size: int
    filename: str
    metadata: dict[str, str]
    created_at: str
    created_by: str

    @classmethod
    def from_row(cls, row: Row) -> "Media":
        values = dict(row)
        values["metadata"] = json.loads(values["metadata"])
        return cls(**values)


@dataclass(frozen=True)
class Query:
    """What ``GET /v1/cases`` searches by; every given criterion must hold."""

    party: str | None = None
    """Part of the party's name, or its 统一社会信用代码 exactly."""
    number: str | None = None
    """The 案件编号, or part of it."""
    doc_number: str | None = None
    """A 文书编号 of one of the case's documents, exactly."""
    status: str | None = None


class CaseStore:
    """Cases in the installation's database; their numbers from ``numbering``."""

    def __init__(self, db: Database, registry: Any, calendar: Calendar, agency: Mapping[str, Any],
                 boot_id: str = "") -> None:
        self.db = db
        self.validator = compile_validator(SCHEMA, registry, calendar)
        parsed = as_agency(agency)
        self.numbering = Numbering(db, parsed.case_numbering, boot_id, zone=parsed.timezone)

    # Reading ---------------------------------------------------------------------------------

    def get(self, case_id: str) -> Case:
        row = self.db.query_one("SELECT * FROM cases WHERE id = ?", case_id)
        if row is None:
            raise NotFound(f"没有案件 {case_id}")
        return Case.from_row(row)

    def search(self, query: Query) -> list[Case]:
        """The cases matching ``query``, newest first (the caller paginates)."""
        clauses, params = [], []
        if query.party:
            clauses.append("(party_name LIKE ? ESCAPE '\\' OR party_code = ?)")
            params += [f"%{_like(query.party)}%", query.party]
        if query.number:
            clauses.append("number LIKE ? ESCAPE '\\'")
            params.append(f"%{_like(query.number)}%")
        if query.doc_number:
            clauses.append("id IN (SELECT c.case_id FROM case_documents c JOIN documents d"
                           " ON d.id = c.document_id WHERE d.doc_number = ?)")
            params.append(query.doc_number)
        if query.status:
            clauses.append("status = ?")
            params.append(query.status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.query(
            f"SELECT * FROM cases{where} ORDER BY created_at DESC, number DESC", params)
        return [Case.from_row(row) for row in rows]

    def events(self, case_id: str) -> list[CaseEvent]:
        rows = self.db.query(
            "SELECT * FROM case_events WHERE case_id = ? ORDER BY seq", (case_id,))
        return [CaseEvent.from_row(row) for row in rows]

    def document_ids(self, case_id: str) -> list[str]:
        """The case's documents in issue order."""
        rows = self.db.query(
            "SELECT document_id FROM case_documents WHERE case_id = ? ORDER BY position", (case_id,))
        return [row[0] for row in rows]

    def media(self, case_id: str) -> list[Media]:
        rows = self.db.query(
            "SELECT * FROM case_media WHERE case_id = ? ORDER BY position", (case_id,))
        return [Media.from_row(row) for row in rows]

    def medium(self, case_id: str, media_id: str) -> Media:
        row = self.db.query_one("SELECT * FROM case_media WHERE case_id = ? AND id = ?", case_id, media_id)
        if row is None:
            raise NotFound(f"案件 {case_id} 没有音像记录 {media_id}")
        return Media.from_row(row)

    def case_of(self, document_id: str) -> str | None:
        row = self.db.query_one("SELECT case_id FROM case_documents WHERE document_id = ?", document_id)
        return row[0] if row else None

    def fill(self, case_id: str, release: Any, data: Any) -> Any:
        """The payload with the case's data merged in (explicit fields win; its 音像记录 by id,
        ``media_fill``); a closed case refuses (409) all but ``AFTER_CLOSING``."""
        case = self.get(case_id)
        if case.closed and release.template_id not in AFTER_CLOSING:
            raise Conflict(f"案件 {case.number} 已结案，不能再签发文书")
        return self.completed(case, release, data)

    def completed(self, case: Case, release: Any, data: Any) -> Any:
        """``data`` with the case's fields and its 音像记录 merged in (``data`` wins): what issuing in the case
        validates, and, from ``{}``, what the e-form opened from the case and ``GET …/prefill`` start with."""
        data = media_fill.fill(release, data, self.media(case.id), case.number)  # its 音像记录, by id
        return merge(case, release, data)

    def check_uncased(self, release: Any, data: Any) -> None:
        """Issued outside a case, a payload's photos must be stored 音像记录 (422 naming the item)."""
        media_fill.check_uncased(release, data, self.stored_photo)

    def stored_photo(self, sha256: str) -> bool:
        return self.db.query_one("SELECT 1 FROM case_media WHERE sha256 = ? AND kind = 'photo'", sha256) is not None

    # Writing ---------------------------------------------------------------------------------

    def validate(self, data: Any) -> dict[str, Any]:
        """The case data if valid; otherwise every problem at its pointer (``ValidationFailed``)."""
        issues = self.validator.issues(data)
        if not issues and date.fromisoformat(data["filed_on"]) < date.fromisoformat(data["discovered_on"]):
            issues.append(Issue("/filed_on", "立案日期（/filed_on）不能早于发现日期（/discovered_on）"))
        if issues:
            raise ValidationFailed(issues)
        return data

    def create(self, actor: str, data: Any) -> Case:
        """Validate, number (gap-free per year) and store a new case with its ``created`` event."""
        data = self.validate(data)
        reservation = self.numbering.reserve("case")
        try:
            reservation = self.numbering.turn(reservation)
            now = record_now()
            case = Case(uuid.uuid4().hex, reservation.text, OPEN, data, now, actor, now)
            with self.db.transaction() as conn:
                Numbering.confirm(conn, reservation, case.id)
                conn.execute(
                    "INSERT INTO cases (id, number, data, party_name, party_code, status, created_at, created_by,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (case.id, case.number, _dump(data), case.party_name, data["party"].get("uscc"), OPEN,
                     now, actor, now))
                self.record(conn, case.id, "created", actor, {"number": case.number})
        except BaseException:
            self.numbering.release(reservation)
            raise
        self.numbering.settled()
        return case

    def update(self, actor: str, case_id: str, changes: Mapping[str, Any]) -> Case:
        """Correct case-level fields; the event names each change. Issued documents stay as signed."""
        case = self.get(case_id)
        data = {**case.data, **changes}
        self.validate(data)
        changed = {key: {"from": case.data.get(key), "to": value} for key, value in changes.items()
                   if case.data.get(key) != value}
        now = record_now()
        with self.db.transaction() as conn:
            current = conn.execute("SELECT status, data FROM cases WHERE id = ?", (case_id,)).fetchone()
            if current["status"] == CLOSED:
                raise Conflict(f"案件 {case.number} 已结案，不能更正")
            if json.loads(current["data"]) != case.data:
                raise Conflict(f"案件 {case.number} 刚被另一请求更正，请重新读取后再更正")
            if not changed:
                return case
            conn.execute("UPDATE cases SET data = ?, party_name = ?, party_code = ?, updated_at = ? WHERE id = ?",
                         (_dump(data), str(data["party"]["name"]), data["party"].get("uscc"), now, case_id))
            self.record(conn, case_id, "updated", actor, {"changes": changed})
        return self.get(case_id)

    def attach(self, conn: Connection, case_id: str, document: StoredDocument) -> None:
        """Bind an issued document to its case, inside the transaction that stores the document.

        The case is read again here: a case closed while the document was being
        rendered refuses it (409), and the whole issuance rolls back (``AFTER_CLOSING`` excepted).
        """
        _still_open(conn, case_id, "签发文书", closed_too=document.template_id in AFTER_CLOSING)
        position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM case_documents WHERE case_id = ?",
                                (case_id,)).fetchone()[0]
        conn.execute("INSERT INTO case_documents (document_id, case_id, position) VALUES (?, ?, ?)",
                     (document.id, case_id, position))
        self.record(conn, case_id, "document_issued", document.created_by,
                    {"document_id": document.id, "template": document.template_id, "title": document.title,
                     "doc_number": document.doc_number})

    def open_case(self, case_id: str, template_id: str | None = None) -> Case:
        """The case, if it may still take ``template_id``'s instrument (404 unknown; 409 closed, unless
        the instrument is one of ``AFTER_CLOSING``)."""
        case = self.get(case_id)
        if case.closed and template_id not in AFTER_CLOSING:
            raise Conflict(f"案件 {case.number} 已结案，不能再添加材料")
        return case

    def add_media(self, actor: str, case_id: str, kind: str, media_type: str, sha256: str, size: int,
                  filename: str, metadata: dict[str, str]) -> Media:
        """Record a stored file as the case's next 音像记录, with its event; 409 if the case closed meanwhile."""
        now = record_now()
        with self.db.transaction() as conn:
            _still_open(conn, case_id, "添加材料")
            position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM case_media WHERE case_id = ?",
                                    (case_id,)).fetchone()[0]
            media = Media(uuid.uuid4().hex, case_id, position, kind, media_type, sha256, size, filename, metadata,
                          now, actor)
            conn.execute("INSERT INTO case_media (id, case_id, position, kind, media_type, sha256, size, filename,"
                         " metadata, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (media.id, case_id, position, kind, media_type, sha256, size, filename, _dump(metadata),
                          now, actor))
            self.record(conn, case_id, "media_added", actor,
                        {"media_id": media.id, "kind": kind, "content": metadata.get("content"), "sha256": sha256,
                         "size": size})
        return media

    def close(self, actor: str, case_id: str, detail: dict[str, Any]) -> Case:
        now = record_now()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT number, status FROM cases WHERE id = ?", (case_id,)).fetchone()
            if row is None:
                raise NotFound(f"没有案件 {case_id}")
            if row["status"] == CLOSED:
                raise Conflict(f"案件 {row['number']} 已经结案")
            conn.execute("UPDATE cases SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
                         (CLOSED, now, now, case_id))
            self.record(conn, case_id, "closed", actor, detail)
        return self.get(case_id)

    @staticmethod
    def record(conn: Connection, case_id: str, kind: str, actor: str, detail: dict[str, Any]) -> None:
        """Append an event to the case's timeline, in the caller's transaction."""
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = ?",
                           (case_id,)).fetchone()[0]
        conn.execute("INSERT INTO case_events (case_id, seq, kind, time, actor, detail) VALUES (?, ?, ?, ?, ?, ?)",
                     (case_id, seq, kind, record_now(), actor, _dump(detail)))


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _still_open(conn: Connection, case_id: str, doing: str, closed_too: bool = False) -> None:
    """Inside the writing transaction: 404 for an unknown case, 409 for one closed meanwhile (unless
    ``closed_too``)."""
    row = conn.execute("SELECT number, status FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        raise NotFound(f"没有案件 {case_id}")
    if row["status"] == CLOSED and not closed_too:
        raise Conflict(f"案件 {row['number']} 已结案，不能再{doing}")
