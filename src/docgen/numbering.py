"""文书编号: unique, gap-free and in issue order, per prefix and year, across crashes.

The number is printed in the PDF, so it is reserved before rendering; a
register of enforcement numbers may show neither a gap nor a number issued
after a higher one. Three rules keep it so:

- **Lowest free number.** A reservation takes the lowest number of its series
  that is neither issued nor reserved, so a released number is reused.
- **Commit in number order.** A document is stored only once every lower
  reservation of its series is issued or gone (``turn``). If a lower one was
  released meanwhile (its issuance failed) and left a gap, the waiting document
  moves down into it and is rendered again with that number. So a document
  never holds a number above a gap, and the numbers of a series are issued in
  increasing order.
- **Reservations belong to a boot.** Each server process records a boot id
  with every reservation and Idempotency-Key claim. At start-up a server
  reclaims those of every dead boot (``liveness``): with SQLite, one server
  owns a data directory (``lock.py``), so every other boot is dead; with
  PostgreSQL, a boot is dead once its session lock is free. A document
  waiting for a lower number looks again every ``REAP_EVERY`` seconds, so a
  server killed mid-load does not hold up the others' series. Since nothing
  above an in-flight number was committed, reclaiming it leaves no gap.

All of this holds across server processes on PostgreSQL because every write
transaction is serialised (``database``) and the waits are polls of the
database, not only in-process wake-ups.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from . import liveness
from .agency import NumberingScheme, as_agency
from .errors import Conflict, ConverterBusy
from .database import Connection, Database

#: How long a document waits for the lower numbers of its series before it gives up (503).
TURN_TIMEOUT = 120.0
_POLL = 0.05
#: The notification channel of issued and freed numbers (``Database.notify``).
CHANNEL = "docgen_numbers"
#: Seconds between looks at whether the boots holding lower numbers are dead.
REAP_EVERY = 1.0


@dataclass(frozen=True)
class Reservation:
    prefix: str
    year: int
    seq: int
    text: str


class Numbering:
    def __init__(self, db: Database, series: NumberingScheme | Mapping[str, Any], boot_id: str = "",
                 zone: ZoneInfo | None = None) -> None:
        """The numbers of ``series`` (a scheme, or an agency profile: its 文书编号), years in ``zone``."""
        self.db = db
        if not isinstance(series, NumberingScheme):
            agency = as_agency(series)
            series, zone = agency.numbering, agency.timezone
        self.scheme = series
        self.format = series.format
        self.prefixes: Mapping[str, str] = series.prefixes
        self.zone = zone or ZoneInfo("Asia/Shanghai")
        self.boot_id = boot_id
        self._changed = threading.Condition()  # wakes waiting documents when a number is issued or freed
        db.listen(CHANNEL, self._wake)  # ... on another server too (PostgreSQL)

    def prefix(self, template_id: str) -> str:
        return self.scheme.prefix(template_id)

    def _text(self, prefix: str, year: int, seq: int) -> str:
        return self.scheme.text(prefix, year, seq)

    def reserve(self, template_id: str) -> Reservation:
        prefix = self.prefix(template_id)
        year = datetime.now(self.zone).year
        with self.db.transaction() as conn:
            seq = _lowest_free(conn, prefix, year)
            conn.execute(
                "INSERT INTO number_reservations (prefix, year, seq, reserved_at, boot_id) VALUES (?, ?, ?, ?, ?)",
                (prefix, year, seq, time.time(), self.boot_id),
            )
        return Reservation(prefix, year, seq, self._text(prefix, year, seq))

    def release(self, reservation: Reservation) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM number_reservations WHERE prefix = ? AND year = ? AND seq = ? AND document_id IS NULL",
                (reservation.prefix, reservation.year, reservation.seq),
            )
        self.settled()

    def settled(self) -> None:
        """A number was issued or freed: wake the documents waiting for their turn, on every server."""
        self._wake()
        self.db.notify(CHANNEL)

    def _wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def turn(self, reservation: Reservation, timeout: float = TURN_TIMEOUT) -> Reservation:
        """Wait until no lower number of the series is in flight; the reservation to store with.

        That is ``reservation`` itself, or a lower free number it moved into
        (the caller must then render again: the number is printed).
        """
        deadline = time.monotonic() + timeout
        reap_at = time.monotonic() + REAP_EVERY
        key = (reservation.prefix, reservation.year, reservation.seq)
        while True:
            if not self._lower_in_flight(reservation):
                with self.db.transaction() as conn:
                    if not _lower_in_flight(conn, reservation):
                        free = _lowest_free(conn, reservation.prefix, reservation.year)
                        if free >= reservation.seq:
                            return reservation
                        moved = conn.execute(
                            "UPDATE number_reservations SET seq = ? WHERE prefix = ? AND year = ? AND seq = ?"
                            " AND document_id IS NULL", (free, *key)).rowcount
                        if moved != 1:
                            raise Conflict(f"文书编号 {reservation.text} 的预留已失效，请重试")
                        return replace(reservation, seq=free, text=self._text(reservation.prefix,
                                                                              reservation.year, free))
            if time.monotonic() >= reap_at:
                self._reap_below(reservation)
                reap_at = time.monotonic() + REAP_EVERY
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConverterBusy(f"文书编号 {reservation.text} 之前的编号仍在签发中，请稍后重试", retry_after=5)
            with self._changed:
                self._changed.wait(min(_POLL, remaining))

    def _reap_below(self, reservation: Reservation) -> None:
        """Free the lower in-flight numbers of dead boots (a server killed while issuing them)."""
        rows = self.db.query("SELECT DISTINCT boot_id FROM number_reservations WHERE prefix = ? AND year = ?"
                             " AND seq < ? AND document_id IS NULL",
                             (reservation.prefix, reservation.year, reservation.seq))
        gone = liveness.dead(self.db, [row[0] for row in rows], self.boot_id)
        if gone:
            with self.db.transaction() as conn:
                self.reclaim(conn, gone)
            self.settled()

    def _lower_in_flight(self, reservation: Reservation) -> bool:
        row = self.db.query_one(
            "SELECT 1 FROM number_reservations WHERE prefix = ? AND year = ? AND seq < ? AND document_id IS NULL"
            " LIMIT 1", reservation.prefix, reservation.year, reservation.seq)
        return row is not None

    @staticmethod
    def confirm(conn: Connection, reservation: Reservation, document_id: str) -> None:
        """Bind the number to its document, inside the transaction that stores the document."""
        bound = conn.execute(
            "UPDATE number_reservations SET document_id = ?"
            " WHERE prefix = ? AND year = ? AND seq = ? AND document_id IS NULL",
            (document_id, reservation.prefix, reservation.year, reservation.seq),
        ).rowcount
        if bound != 1:
            raise Conflict(f"文书编号 {reservation.text} 的预留已失效，请重试")

    @staticmethod
    def reclaim(conn: Connection, dead: list[str | None]) -> int:
        """Free every unissued reservation of the ``dead`` boots (``liveness.dead``); how many."""
        return liveness.forget(conn, "number_reservations", dead)


def _lower_in_flight(conn: Connection, reservation: Reservation) -> bool:
    row = conn.execute(
        "SELECT 1 FROM number_reservations WHERE prefix = ? AND year = ? AND seq < ? AND document_id IS NULL LIMIT 1",
        (reservation.prefix, reservation.year, reservation.seq)).fetchone()
    return row is not None


def _lowest_free(conn: Connection, prefix: str, year: int) -> int:
    row = conn.execute(
        """
        SELECT MIN(candidate) FROM (
            SELECT 1 AS candidate
            UNION ALL
            SELECT seq + 1 FROM number_reservations WHERE prefix = ? AND year = ?
        ) AS candidates
        WHERE candidate NOT IN (SELECT seq FROM number_reservations WHERE prefix = ? AND year = ?)
        """,
        (prefix, year, prefix, year),
    ).fetchone()
    return int(row[0])
