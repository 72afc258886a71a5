"""文书编号: unique and gap-free per prefix and year.

The number must be printed in the PDF, so it is reserved before rendering. A
reservation whose issuance fails is released, and the next request takes the
lowest free number, so the issued numbers of a year always run 1..N without
gaps. A reservation left by a crashed process is reclaimed once it is older
than any issuance can take.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from .errors import Conflict, TemplateError
from .storage import Database

STALE_AFTER_SECONDS = 15 * 60


@dataclass(frozen=True)
class Reservation:
    prefix: str
    year: int
    seq: int
    text: str


class Numbering:
    def __init__(self, db: Database, agency: Mapping[str, Any]) -> None:
        self.db = db
        self.format = agency["numbering"]["format"]
        self.prefixes: Mapping[str, str] = agency["numbering"]["prefixes"]
        self.zone = ZoneInfo(agency.get("timezone", "Asia/Shanghai"))

    def prefix(self, template_id: str) -> str:
        try:
            return self.prefixes[template_id]
        except KeyError:
            raise TemplateError(f"机关配置中没有 {template_id} 的文书编号前缀") from None

    def reserve(self, template_id: str) -> Reservation:
        prefix = self.prefix(template_id)
        year = datetime.now(self.zone).year
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM number_reservations WHERE document_id IS NULL AND reserved_at < ?",
                (now - STALE_AFTER_SECONDS,),
            )
            seq = _lowest_free(conn, prefix, year)
            conn.execute(
                "INSERT INTO number_reservations (prefix, year, seq, reserved_at) VALUES (?, ?, ?, ?)",
                (prefix, year, seq, now),
            )
        return Reservation(prefix, year, seq, self.format.format(prefix=prefix, year=year, seq=seq))

    def release(self, reservation: Reservation) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM number_reservations WHERE prefix = ? AND year = ? AND seq = ? AND document_id IS NULL",
                (reservation.prefix, reservation.year, reservation.seq),
            )

    @staticmethod
    def confirm(conn: sqlite3.Connection, reservation: Reservation, document_id: str) -> None:
        """Bind the number to its document, inside the transaction that stores the document."""
        bound = conn.execute(
            "UPDATE number_reservations SET document_id = ?"
            " WHERE prefix = ? AND year = ? AND seq = ? AND document_id IS NULL",
            (document_id, reservation.prefix, reservation.year, reservation.seq),
        ).rowcount
        if bound != 1:
            raise Conflict(f"文书编号 {reservation.text} 的预留已失效，请重试")


def _lowest_free(conn: sqlite3.Connection, prefix: str, year: int) -> int:
    row = conn.execute(
        """
        SELECT MIN(candidate) FROM (
            SELECT 1 AS candidate
            UNION ALL
            SELECT seq + 1 FROM number_reservations WHERE prefix = ? AND year = ?
        )
        WHERE candidate NOT IN (SELECT seq FROM number_reservations WHERE prefix = ? AND year = ?)
        """,
        (prefix, year, prefix, year),
    ).fetchone()
    return int(row[0])
