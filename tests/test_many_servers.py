"""Two real ``docgen serve`` processes on one PostgreSQL database and one shared data directory,
under concurrent load: what must hold across servers (issue 15, part 3).

- 文书编号 unique, gap-free and committed in number order (``xmin``: every write transaction takes the
  write lock before its first write, so transaction ids follow the commit order);
- an Idempotency-Key honoured whichever server the retry reaches;
- exactly one approval of a stage wins;
- case numbers serialised;
- transparency-log appends serialised: one leaf per issued file at indexes 0…n-1, the audit clean
  (checkpoints signed by both servers included);
- a server killed (SIGKILL) mid-load leaves nothing the other trips on: the survivor's documents
  keep being issued (the dead boot's lower numbers are reclaimed while they wait), and retries of
  the dead server's keys complete on the survivor.

The converter is the fixed PDF (``DOCGEN_CONVERTER=fake``): what is under test is the database.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from docgen.storage import connect
from pg import fresh_database
from serving import Load, Server, docgen
from test_approvals import REVIEW, approve
from test_cases import case_data, seq

#: Two servers on one PostgreSQL database: needs the PostgreSQL server (full suite, not the fast tier).
pytestmark = pytest.mark.postgresql

TEMPLATE = "penalty-decision"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Servers A and B: one database, one data directory (PKI, blobs), one converter each."""
    with fresh_database() as url:
        env = {"DOCGEN_CONVERTER": "fake", "DOCGEN_DATABASE_URL": url, "DOCGEN_CONVERTERS": "1"}
        first = Server(tmp_path / "data", **env)
        second = Server(tmp_path / "data", first.tokens, **env)
        try:
            yield first, second
        finally:
            for server in (first, second):
                if server.process.poll() is None:
                    server.stop()


def issued_in_order(url: str, template: str = TEMPLATE) -> list[int]:
    """The sequence numbers of ``template``'s documents in commit order; and nothing left in flight."""
    db = connect(url)
    try:
        rows = db.query("SELECT doc_number FROM documents WHERE template_id = ? ORDER BY xmin::text::bigint",
                        (template,))
        assert db.query_one("SELECT COUNT(*) FROM number_reservations WHERE document_id IS NULL")[0] == 0
        assert db.query_one("SELECT COUNT(*) FROM idempotency_keys WHERE document_id IS NULL")[0] == 0
    finally:
        db.close()
    return [seq(row[0]) for row in rows]


def log_matches_the_files(server: Server) -> None:
    """Every issued file has exactly one leaf and the leaves are 0…n-1 (appends from both servers never
    shared an index or left a gap); ``docgen audit`` finds the log and the storage in agreement."""
    kinds = ("stages", "case_volumes", "public_renditions")
    indexes = sorted(row[0] for table in kinds for row in server.rows(f"SELECT log_index FROM {table}"))
    size = server.rows("SELECT size FROM tlog_head WHERE id = 1")[0][0]
    assert indexes == list(range(size)), (size, indexes)
    report = json.loads(docgen(server.data_dir, "audit", "--json",
                               env={"DOCGEN_DATABASE_URL": server.database_url}))
    assert report["ok"] and report["size"] == size, report


def test_numbers_keys_approvals_and_cases_hold_across_two_servers(pair: tuple[Server, Server], catalogue) -> None:
    first, second = pair
    servers = (first, second)
    payload = catalogue.get(TEMPLATE).example

    def issue(n: int) -> tuple[str, str]:
        here, there = servers[n % 2], servers[(n + 1) % 2]
        key = f"load-{n}"
        with here.client() as http:
            made = http.post("/v1/documents", json={"template": TEMPLATE, "data": payload},
                             headers={"Idempotency-Key": key})
        assert made.status_code == 201, made.text
        with there.client() as http:  # the retry reaches the other server
            again = http.post("/v1/documents", json={"template": TEMPLATE, "data": payload},
                              headers={"Idempotency-Key": key})
        assert again.status_code == 201, again.text
        assert again.json()["id"] == made.json()["id"]
        return made.json()["id"], made.json()["doc_number"]

    def open_case(n: int) -> str:
        with servers[n % 2].client() as http:
            made = http.post("/v1/cases", json=case_data())
        assert made.status_code == 201, made.text
        return made.json()["number"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        documents = list(pool.map(issue, range(40)))
        cases = list(pool.map(open_case, range(12)))
    assert len({doc_id for doc_id, _ in documents}) == 40
    assert issued_in_order(first.database_url) == list(range(1, 41))
    assert sorted(seq(number) for number in cases) == list(range(1, 13))

    with servers[0].client() as http:
        review = http.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example}).json()
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda n: approve(servers[n % 2], review["id"], "dept_head", "dept_head", "同意",
                                                f"第{n}份意见").status_code, range(6)))
    assert sorted(codes) == [201] + [409] * 5
    log_matches_the_files(second)


def test_a_server_killed_mid_load_leaves_nothing_the_other_trips_on(pair: tuple[Server, Server],
                                                                     catalogue) -> None:
    first, second = pair
    load = Load(TEMPLATE, catalogue.get(TEMPLATE).example)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(load.client, server, f"{label}{w}", killed=server is first)
                   for w in range(3) for label, server in (("a", first), ("b", second))]
        load.wait_issued(10)
        first.kill()  # SIGKILL mid-load: its requests are converting, waiting their turn and committing
        killed_at = len(load.outcome)
        time.sleep(3)  # the survivor keeps issuing past the dead server's in-flight numbers
        load.stop.set()
        for future in futures:
            future.result()
    assert not load.cut("b"), {key: load.outcome[key] for key in load.cut("b")}
    assert len(load.outcome) > killed_at
    interrupted = load.cut("a")
    assert interrupted, "the kill should have caught requests in flight"
    with second.client() as http:  # the dead server's keys, retried on the survivor, complete
        for key in interrupted:
            retry = http.post("/v1/documents", json={"template": TEMPLATE, "data": load.payload},
                              headers={"Idempotency-Key": key})
            assert retry.status_code == 201, retry.text
    numbers = issued_in_order(second.database_url)
    assert numbers == list(range(1, len(numbers) + 1)), numbers  # gap-free and in number order
    log_matches_the_files(second)  # the killed server's open transactions took their leaves with them
