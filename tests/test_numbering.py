"""文书编号 allocation on a real database (SQLite, then PostgreSQL), from many threads."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from docgen.config import load_agency
from docgen.errors import Conflict, TemplateError
from docgen import boot
from docgen.errors import ConverterBusy
from docgen.numbering import Numbering
from docgen.database import Database
from docgen.storage import connect


@pytest.fixture
def numbering(db: Database) -> Numbering:
    return Numbering(db, load_agency(), "boot-a")


def issue(numbering: Numbering, index: int) -> str:
    reservation = numbering.turn(numbering.reserve("penalty-decision"))
    with numbering.db.transaction() as conn:
        Numbering.confirm(conn, reservation, f"doc-{index}")
        conn.execute("INSERT INTO renditions (key, sha256) VALUES (?, ?)",  # the commit order, as a sortable time
                     (f"order-{reservation.seq}", f"{time.monotonic_ns():024d}"))
    numbering.settled()
    return reservation.text


def test_numbers_follow_the_configured_pattern(numbering: Numbering) -> None:
    text = issue(numbering, 0)
    year = time.localtime().tm_year
    assert text in (f"株市监处罚〔{year}〕1号", f"株市监处罚〔{year + 1}〕1号")


def test_concurrent_reservations_are_unique_and_gap_free(numbering: Numbering) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda i: issue(numbering, i), range(64)))
    seqs = sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers)
    assert seqs == list(range(1, 65))


def test_a_released_number_is_reused_so_no_gap_remains(numbering: Numbering) -> None:
    first = numbering.reserve("penalty-decision")
    second = numbering.reserve("penalty-decision")
    numbering.release(first)
    third = numbering.reserve("penalty-decision")
    assert (first.seq, second.seq, third.seq) == (1, 2, 1)


def test_prefixes_count_separately(numbering: Numbering) -> None:
    assert numbering.reserve("penalty-decision").seq == 1
    assert numbering.reserve("penalty-notice").seq == 1


def test_a_dead_boots_reservation_is_reclaimed_at_start_and_cannot_be_confirmed_late(db: Database) -> None:
    dead = Numbering(db, load_agency(), "boot-dead")
    orphan = dead.reserve("penalty-decision")
    started = boot.begin(db)  # the next server process
    assert started.reclaimed_numbers == 1
    fresh = Numbering(db, load_agency(), started.id).reserve("penalty-decision")
    assert fresh.seq == orphan.seq  # the number the crash left in flight is the next one issued: no gap
    with db.transaction() as conn:
        Numbering.confirm(conn, fresh, "doc-fresh")
    with pytest.raises(Conflict):
        with db.transaction() as conn:
            Numbering.confirm(conn, orphan, "doc-orphan")


def test_a_boot_reclaims_only_what_other_boots_left(db: Database) -> None:
    started = boot.begin(db)
    mine = Numbering(db, load_agency(), started.id).reserve("penalty-decision")
    assert boot.reap(db, started.id) == (0, 0)
    assert boot.begin(db).reclaimed_numbers == 0  # a second live boot of this process leaves it alone
    assert db.query_one("SELECT seq FROM number_reservations WHERE seq = ?", mine.seq) is not None


def test_a_higher_number_waits_for_the_lower_one_to_be_issued(numbering: Numbering) -> None:
    low = numbering.reserve("penalty-decision")
    high = numbering.reserve("penalty-decision")
    order: list[int] = []

    def store_high() -> None:
        turn = numbering.turn(high)
        with numbering.db.transaction() as conn:
            Numbering.confirm(conn, turn, "doc-high")
        order.append(turn.seq)

    waiting = threading.Thread(target=store_high)
    waiting.start()
    time.sleep(0.3)
    assert order == []  # still waiting: number 1 is in flight
    assert numbering.turn(low) == low
    with numbering.db.transaction() as conn:
        Numbering.confirm(conn, low, "doc-low")
    order.append(low.seq)
    numbering.settled()
    waiting.join(5)
    assert order == [1, 2]


def test_a_waiting_number_moves_down_into_a_gap_left_by_a_failure(numbering: Numbering) -> None:
    failed = numbering.reserve("penalty-decision")
    waiting = numbering.reserve("penalty-decision")
    numbering.release(failed)
    turn = numbering.turn(waiting)
    assert (turn.seq, turn.text.endswith("〕1号")) == (1, True)  # it must be rendered again with 1
    with numbering.db.transaction() as conn:
        Numbering.confirm(conn, turn, "doc")
    assert numbering.reserve("penalty-decision").seq == 2


def test_waiting_for_a_stuck_lower_number_gives_up_with_503(numbering: Numbering) -> None:
    numbering.reserve("penalty-decision")
    stuck_behind = numbering.reserve("penalty-decision")
    with pytest.raises(ConverterBusy):
        numbering.turn(stuck_behind, timeout=0.2)


def test_concurrent_issues_commit_in_number_order(numbering: Numbering) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: issue(numbering, i), range(40)))
    rows = numbering.db.query("SELECT key FROM renditions WHERE key LIKE 'order-%' ORDER BY sha256")
    assert [int(row[0].split("-")[1]) for row in rows] == list(range(1, 41))


def test_an_instrument_without_a_configured_prefix_is_an_error(numbering: Numbering) -> None:
    with pytest.raises(TemplateError, match="on-site-record"):
        numbering.reserve("on-site-record")


def test_a_boot_is_alive_while_its_process_holds_it(database_url: str) -> None:
    """PostgreSQL: alive while the holder's session lock stands, dead once it is gone, seen from another
    connection. SQLite: one server per data directory, so another process's boot is always dead."""
    holder, other = connect(database_url), connect(database_url)
    try:
        key = holder.hold_boot("held")
        assert holder.alive("held", key)
        if database_url.startswith("postgresql"):
            assert other.alive("held", key)
            holder.close()
            assert not other.alive("held", key)
        else:
            assert not other.alive("held", key)
        assert not other.alive(None, None)
    finally:
        other.close()
        holder.close()
