"""文书编号 allocation on a real SQLite database, from many threads."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from docgen.config import load_agency
from docgen.errors import Conflict, TemplateError
from docgen.numbering import STALE_AFTER_SECONDS, Numbering
from docgen.storage import Database


@pytest.fixture
def numbering(tmp_path: Path) -> Numbering:
    return Numbering(Database(tmp_path / "db.sqlite3"), load_agency())


def issue(numbering: Numbering, index: int) -> str:
    reservation = numbering.reserve("penalty-decision")
    with numbering.db.transaction() as conn:
        Numbering.confirm(conn, reservation, f"doc-{index}")
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


def test_a_crashed_reservation_is_reclaimed_and_cannot_be_confirmed_late(numbering: Numbering) -> None:
    stale = numbering.reserve("penalty-decision")
    with numbering.db.transaction() as conn:
        conn.execute("UPDATE number_reservations SET reserved_at = reserved_at - ?", (STALE_AFTER_SECONDS + 1,))
    fresh = numbering.reserve("penalty-decision")
    assert fresh.seq == stale.seq
    with numbering.db.transaction() as conn:
        Numbering.confirm(conn, fresh, "doc-fresh")
    with pytest.raises(Conflict):
        with numbering.db.transaction() as conn:
            Numbering.confirm(conn, stale, "doc-stale")


def test_an_instrument_without_a_configured_prefix_is_an_error(numbering: Numbering) -> None:
    with pytest.raises(TemplateError, match="on-site-record"):
        numbering.reserve("on-site-record")
