"""Read the snapshot the statistics are computed from, out of storage, in one pass.

Every stored document with a signed stage, with the payload of its latest stage
and every stage's link (round, stage, decision, signed time as a local date); its
case and the case's 承办部门; the cases' 音像记录 days; each case's statutory
deadlines as ``cases/deadlines.py`` judges them on the snapshot's day (a void
document fulfils none); the publicity (公示) records of the signed decisions. Read in
a few queries, sorted, so the same database always gives the same snapshot.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..cases import deadlines as rules
from ..cases.case import Case
from ..cases.deadlines import Issued
from ..chain import Link, VoidMark, parse_time
from ..storage import Storage, StoredDocument
from ..workdays import Calendar
from .records import NO_DEPARTMENT, DeadlineRow, MediaDay, Publicity, Record, Signed, Snapshot


def as_of(year: int, today: date) -> date:
    """The day a year's deadlines are judged on: its last day, or today while the year runs."""
    return min(today, date(year, 12, 31))


def snapshot(storage: Storage, calendar: Calendar, zone: ZoneInfo, year: int, today: date) -> Snapshot:
    db = storage.db  # plain reads
    stages: dict[str, list[Link]] = defaultdict(list)
    latest: dict[str, str] = {}  # the payload of each document's latest signed stage
    for row in db.query("SELECT document_id, link, payload_sha256 FROM stages ORDER BY document_id, idx"):
        stages[row["document_id"]].append(Link.from_dict(json.loads(row["link"])))
        latest[row["document_id"]] = row["payload_sha256"]
    cases = {row["id"]: Case.from_row(row) for row in db.query("SELECT * FROM cases ORDER BY id")}
    bound = {row[0]: (row[1], row[2]) for row in db.query(
        "SELECT document_id, case_id, position FROM case_documents")}
    payloads: dict[str, object] = {}
    records, issued = [], defaultdict(list)
    for row in db.query("SELECT * FROM documents ORDER BY id"):
        links = stages.get(row["id"])
        if not links:
            continue  # never signed: not part of the record
        document = StoredDocument.from_row(row)
        digest = latest[document.id]
        if digest not in payloads:
            payloads[digest] = storage.payload(digest)
        data = payloads[digest]
        case_id, position = bound.get(document.id, (None, 0))
        case = cases.get(case_id) if case_id else None
        department = str(case.data.get("department") or NO_DEPARTMENT) if case else NO_DEPARTMENT
        records.append(Record(document.id, document.template_id, document.title, document.doc_number, case_id,
                              department, data, tuple(_signed(link, zone) for link in links)))
        if case_id:
            issued[case_id].append((position, Issued(document, data, VoidMark.of(links) is not None)))
    media = sorted((MediaDay(row["case_id"], row["id"], _recorded_on(row["metadata"]))
                    for row in db.query("SELECT case_id, id, metadata FROM case_media")),
                   key=lambda m: (m.case_id, m.day, m.media_id))
    archived = {row[0]: date.fromisoformat(row[1][:10])
                for row in db.query("SELECT case_id, MIN(built_at) FROM case_volumes GROUP BY case_id")}
    judged = as_of(year, today)
    found = []
    for case_id in sorted(issued):
        in_order = [item for _, item in sorted(issued[case_id], key=lambda pair: pair[0])]  # issue order
        for deadline in rules.compute(cases[case_id], in_order, calendar, judged, archived.get(case_id)):
            day = deadline.due or deadline.start
            if day:
                found.append(DeadlineRow(case_id, deadline.id.split(":")[0], deadline.title, deadline.status,
                                         date.fromisoformat(day), deadline.document_id))
    signed = {record.id: record for record in records}
    publicity = tuple(_publicity(row, signed[row["document_id"]].void) for row in db.query(
        "SELECT document_id, status, decided_on, due_on, detail FROM publicity_records ORDER BY document_id")
        if row["document_id"] in signed)
    return Snapshot(tuple(records), tuple(m for m in media if m.day), tuple(found), calendar, judged, publicity)


def _publicity(row, void: bool) -> Publicity:
    """``void`` from the decision's own chain, so a decision voided before the publicity hook existed
    (its record still ``due``) is not counted as due either."""
    detail = json.loads(row["detail"])
    published = detail.get("published")
    withheld = detail.get("not_published") or {}
    return Publicity(row["document_id"], row["status"], date.fromisoformat(row["decided_on"]),
                     date.fromisoformat(row["due_on"]), bool(published["on_time"]) if published else None,
                     "automatic" if withheld.get("automatic") else withheld.get("status"), void)


def _signed(link: Link, zone: ZoneInfo) -> Signed:
    return Signed(link.index, link.round, link.stage, link.decision, parse_time(link.time).astimezone(zone).date())


def _recorded_on(metadata: str) -> date | None:
    """The day of a 音像记录's 记录时间 (``YYYY-MM-DD HH:MM``)."""
    try:
        return datetime.strptime(json.loads(metadata).get("recorded_at", ""), "%Y-%m-%d %H:%M").date()
    except (ValueError, TypeError, AttributeError):
        return None
