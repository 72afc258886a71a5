"""The 文书编号 register: what became of every number of one prefix and year.

Numbers are gap-free and committed in number order (``numbering.py``), so a
number issued in error is never taken back: it is voided (``voiding.py``) and
stays in the register with its reason. The register lists every number from 1
to the highest reserved, each one

- ``issued`` — bound to its document;
- ``void`` — bound to its document, whose chain ends in a void stage (reason, who, when);
- ``reserved`` — in flight: a document being rendered, or waiting for the lower numbers;
- ``free`` — for a moment only: a reservation released (its issuance failed) below one
  still in flight, which ``Numbering.turn`` moves down into it before anything is stored.

One query: each reservation joined to its document and to the document's
latest stage (a primary-key seek), whose link is parsed only when it is a void.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from .agency import NumberingScheme
from .chain import Link, VoidMark
from .errors import Issue, ValidationFailed
from .storage import Storage
from .workflow import VOID

ISSUED, VOIDED, RESERVED, FREE = "issued", "void", "reserved", "free"
STATUS_LABELS = {ISSUED: "已签发", VOIDED: "已作废", RESERVED: "预留（签发中）", FREE: "空号（待补位）"}
#: The years a register may be asked for.
FIRST_YEAR, LAST_YEAR = 2000, 2999


@dataclass(frozen=True)
class NumberEntry:
    """One number of the register and what became of it."""

    seq: int
    number: str
    """As printed, e.g. 株市监处罚〔2026〕3号."""
    status: str
    """``issued``, ``void``, ``reserved`` or ``free``."""
    document_id: str | None = None
    title: str | None = None
    template: str | None = None
    issued_at: str | None = None
    """The document's ``created_at``."""
    reserved_at: str | None = None
    """When a number in flight was reserved (ISO 8601 UTC)."""
    void: VoidMark | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def tally(entries: list[NumberEntry]) -> dict[str, int]:
    """How many numbers of each status, every status named (``issued``, ``void``, ``reserved``, ``free``)."""
    return {status: sum(1 for e in entries if e.status == status) for status in STATUS_LABELS}


class NumberRegister:
    """Reads the register of the agency's 文书编号 series from the reservations table."""

    def __init__(self, storage: Storage, scheme: NumberingScheme) -> None:
        self.storage = storage
        self.scheme = scheme

    def prefixes(self) -> list[str]:
        """Every configured 文书编号 prefix, once each, in the profile's order."""
        return list(dict.fromkeys(self.scheme.prefixes.values()))

    def check(self, prefix: str | None, year: int | None) -> None:
        """422 naming ``/prefix`` or ``/year`` unless both are ones the register can answer for."""
        issues = []
        if prefix not in self.prefixes():
            issues.append(Issue("/prefix", f"文书编号前缀（/prefix）“{prefix or ''}”不是本机关配置的前缀"
                                           "（机关配置 numbering.prefixes）"))
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            issues.append(Issue("/year", f"年份（/year）应为 {FIRST_YEAR} 至 {LAST_YEAR} 之间的四位年份"))
        if issues:
            raise ValidationFailed(issues)

    def place(self, document_id: str) -> tuple[str, int] | None:
        """The (prefix, year) under which a document holds its number; ``None`` if it holds none."""
        row = self.storage.db.query_one(
            "SELECT prefix, year FROM number_reservations WHERE document_id = ?", document_id)
        return (row["prefix"], row["year"]) if row is not None else None

    def entries(self, prefix: str, year: int) -> list[NumberEntry]:
        """Numbers 1 to the highest reserved of ``prefix`` and ``year``, in order."""
        self.check(prefix, year)
        db = self.storage.db
        rows = db.query(
            f"""
            SELECT r.seq, r.document_id, r.reserved_at, d.title, d.template_id, d.created_at,
                   CASE WHEN {db.json_text("s.link", "stage")} = '{VOID}' THEN s.link END AS void_link
            FROM number_reservations r
            LEFT JOIN documents d ON d.id = r.document_id
            LEFT JOIN stages s ON s.document_id = d.id
                AND s.idx = (SELECT MAX(m.idx) FROM stages m WHERE m.document_id = d.id)
            WHERE r.prefix = ? AND r.year = ?
            ORDER BY r.seq""", (prefix, year))
        by_seq = {row["seq"]: row for row in rows}
        highest = max(by_seq, default=0)
        return [self._entry(prefix, year, seq, by_seq.get(seq)) for seq in range(1, highest + 1)]

    def _entry(self, prefix: str, year: int, seq: int, row: Any) -> NumberEntry:
        number = self.scheme.text(prefix, year, seq)
        if row is None:
            return NumberEntry(seq, number, FREE)
        if row["document_id"] is None or row["title"] is None:
            reserved = dt.datetime.fromtimestamp(row["reserved_at"], dt.timezone.utc).isoformat(timespec="seconds")
            return NumberEntry(seq, number, RESERVED, reserved_at=reserved)
        void = VoidMark.of([Link.from_dict(json.loads(row["void_link"]))]) if row["void_link"] else None
        return NumberEntry(seq, number, VOIDED if void else ISSUED, row["document_id"], row["title"],
                           row["template_id"], row["created_at"], void=void)
