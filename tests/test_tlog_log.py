"""The log's storage without a server: appends roll back with their transaction, tiles follow the
C2SP spec's own examples, proofs from tiles equal proofs from the node table, files issued before the
log get their leaves once, and a checkpoint is signed only when the tree grew."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from docgen.errors import Conflict, ValidationFailed
from docgen.storage import Storage
from docgen.tlog import merkle, note, tiles
from docgen.tlog.audit import audit
from docgen.tlog.log import STAGE, Leaf, Log, backfill
from docgen.tlog.tiles import TileNodes, TilePath


@pytest.fixture
def storage(tmp_path: Path, database_url: str) -> Iterator[Storage]:
    """Storage on each backend in turn (a SQLite file, a fresh PostgreSQL database)."""
    stored = Storage(tmp_path, database_url)
    yield stored
    stored.db.close()


def make_log(storage: Storage) -> tuple[Storage, Log]:
    key = note.SignerKey.generate("docgen.test/unit", note.ED25519)
    return storage, Log(storage.db, key.name, key)


def leaf(n: int) -> Leaf:
    return Leaf(STAGE, f"doc{n}", f"{n:064x}", "c" * 64, "2026-12-03T00:00:00Z", 1)


def test_an_append_rolls_back_with_its_transaction(storage: Storage) -> None:
    storage, log = make_log(storage)
    with storage.db.transaction() as tx:
        assert log.append(tx, leaf(0)) == 0
    with pytest.raises(Conflict):
        with storage.db.transaction() as tx:
            assert log.append(tx, leaf(1)) == 1
            raise Conflict("the issuance failed after its leaf")
    assert log.size() == 1 and [i for i, _ in log.entries()] == [0]
    with storage.db.transaction() as tx:
        assert log.append(tx, leaf(2)) == 1  # the index the rolled-back leaf had is the next one's


def test_tile_paths_as_the_spec_writes_them() -> None:
    assert str(TilePath(0, 1234067)) == "tile/0/x001/x234/067"
    assert TilePath.parse("tile/0/x001/x234/067") == TilePath(0, 1234067)
    assert str(TilePath(None, 5, 17)) == "tile/entries/005.p/17"
    assert TilePath.parse("tile/entries/005.p/17") == TilePath(None, 5, 17)
    for bad in ("tile/0/1234067", "tile/00/000", "tile/64/000", "tile/0/000.p/256", "tile/0/000.p/0",
                "tile/0/x000/001", "tile/1/000.p/012"):
        with pytest.raises(tiles.TileError):
            TilePath.parse(bad)
    # tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    # tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one partial
    # level 2 tile of width 1"
    hashes = [p for p in tiles.paths_for(70_000) if p.level is not None]
    assert [p for p in hashes if p.level == 0 and p.width == 256] == [TilePath(0, n) for n in range(273)]
    assert [p for p in hashes if p not in [TilePath(0, n) for n in range(273)]] == [
        TilePath(0, 273, 112), TilePath(1, 0), TilePath(1, 1, 17), TilePath(2, 0, 1)]


def test_proofs_from_tiles_equal_proofs_from_the_node_table(storage: Storage) -> None:
    storage, log = make_log(storage)
    with storage.db.transaction() as tx:
        for n in range(70_000 // 100):  # 700 leaves: full and partial tiles at levels 0 and 1
            log.append(tx, leaf(n))
    size = log.size()
    nodes = TileNodes(lambda path: log.tile(TilePath.parse(path)), size)
    assert merkle.root(nodes, size) == log.root(size)
    for index in (0, 255, 256, 511, 512, 699):
        assert merkle.inclusion_path(nodes, index, size) == log.inclusion(index, size).path
    for old in (1, 256, 300, 699):
        assert merkle.consistency_proof(nodes, old, size) == log.consistency(old, size)[0]
    assert [entry for _, entry in nodes.entries()] == [entry for _, entry in log.entries()]
    with pytest.raises(ValidationFailed) as beyond:
        log.inclusion(0, size + 1)
    assert beyond.value.issues[0].pointer == "/size"


def test_a_checkpoint_is_signed_only_when_the_tree_grew(storage: Storage) -> None:
    storage, log = make_log(storage)
    assert log.publish() is None  # nothing to sign
    with storage.db.transaction() as tx:
        log.append(tx, leaf(0))
    first = log.publish()
    assert first is not None and log.publish() is None
    opened = note.open_checkpoint(first, log.vkey)
    assert (opened.checkpoint.size, opened.checkpoint.root) == (1, log.root(1))
    renamed = Log(storage.db, "docgen.test/renamed", note.SignerKey.generate("docgen.test/renamed", note.ED25519))
    with storage.db.transaction() as tx:
        renamed.append(tx, leaf(1))
    with pytest.raises(Conflict, match="另一个日志"):
        renamed.publish()


def test_files_issued_before_the_log_get_their_leaves_once(storage: Storage) -> None:
    storage, log = make_log(storage)
    data = b"%PDF-1.7 issued before the log\n"
    digest = storage.blobs.put(data)
    link = {"time": "2026-01-02T03:04:05Z", "certificate_sha256": "d" * 64}
    with storage.db.transaction() as tx:
        tx.execute("INSERT INTO documents (id, template_id, template_version, template_sha256, title, doc_number, "
                   "payload_sha256, created_at, created_by) VALUES ('old', 't', '1', '{}', 'T', NULL, 'p', 'x', 'p1')")
        tx.execute("INSERT INTO stages (document_id, idx, stage, payload_sha256, docx_sha256, pdf_sha256, link) "
                   "VALUES ('old', 0, 'issuance', 'p', 'x', ?, ?)", (digest, json.dumps(link)))
    assert audit(log, storage).findings[0].code == "no-leaf"
    assert backfill(log, storage.db) == 1 and backfill(log, storage.db) == 0
    entry = Leaf.parse(log.entry(0))
    assert (entry.kind, entry.document_id, entry.sha256, entry.time) == ("document", "old", digest, link["time"])
    assert storage.db.query_one("SELECT log_index FROM stages")[0] == 0
    assert audit(log, storage).ok
