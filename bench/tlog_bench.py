"""The transparency log's costs: append per issuance, proofs at 10^6 leaves, storage per leaf.

A log of ``leaves`` leaves is built in a fresh SQLite database with docgen's own
schema through ``Log.append`` (10,000 appends per transaction, so building is
not the bottleneck), then:

- ``log_append``: one more append inside an open transaction, as issuance does
  it (the commit is the issuance's own, shared with its rows), p50/p95;
- ``log_inclusion_proof`` / ``log_consistency_proof``: a proof at the full size
  for random leaves / old sizes, from a new connection (nothing cached in Python);
- ``log_verify_inclusion`` / ``log_verify_consistency``: RFC 9162 verification;
- bytes per leaf: the database file after VACUUM, less an empty one's, per leaf.
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from docgen.database.sqlite import SQLiteDatabase
from docgen.storage import connect
from docgen.tlog import merkle, note
from docgen.tlog.log import STAGE, Leaf, Log

BATCH = 10_000


def leaf(n: int) -> Leaf:
    digest = f"{n:064x}"
    return Leaf(STAGE, f"{n:032x}", digest, "c" * 64, "2026-12-03T12:00:00Z", n % 7)


def timed(task: Callable[[int], None], count: int) -> dict[str, float]:
    latencies = []
    for i in range(count):
        start = time.perf_counter()
        task(i)
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    return {"p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000,
            "docs_per_s": count / sum(latencies)}


def compact(db: SQLiteDatabase) -> None:
    """VACUUM, then fold the write-ahead log into the file, so the file's size is the database's."""
    db.connection().execute("VACUUM")
    db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bench_log(leaves: int, samples: int = 200) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="docgen-tlog-bench-") as work:
        empty: SQLiteDatabase = connect(Path(work) / "empty.sqlite3")  # SQLite: its file size is measured
        compact(empty)
        empty_bytes = empty.path.stat().st_size
        db: SQLiteDatabase = connect(Path(work) / "log.sqlite3")
        log = Log(db, "bench.docgen.test/log", note.SignerKey.generate("bench.docgen.test/log", note.ED25519))
        start = time.perf_counter()
        for first in range(0, leaves, BATCH):
            with db.transaction() as tx:
                for n in range(first, min(leaves, first + BATCH)):
                    log.append(tx, leaf(n))
        build_s = time.perf_counter() - start
        compact(db)
        bytes_per_leaf = (db.path.stat().st_size - empty_bytes) / leaves

        appended = []

        def append(i: int) -> None:
            with db.transaction() as tx:
                begin = time.perf_counter()
                log.append(tx, leaf(leaves + i))
                appended.append(time.perf_counter() - begin)  # inside the transaction, as issuance does

        timed(append, samples)
        size = log.size()
        appended.sort()
        results = {"log_append": {"p50_ms": statistics.median(appended) * 1000,
                                  "p95_ms": appended[int(len(appended) * 0.95) - 1] * 1000,
                                  "docs_per_s": len(appended) / sum(appended)}}

        fresh = connect(db.path)  # a new connection: nothing of the tree kept in Python between proofs
        reader = Log(fresh, log.origin, log.key)
        rng = random.Random(7)
        indexes = [rng.randrange(size) for _ in range(samples)]
        olds = [rng.randrange(1, size) for _ in range(samples)]
        root = reader.root(size)
        proofs: list[tuple[bytes, list[bytes]]] = []
        consistencies: list[tuple[int, list[bytes], bytes]] = []

        def inclusion(i: int) -> None:
            proof = reader.inclusion(indexes[i], size)
            proofs.append((merkle.leaf_hash(proof.entry), proof.path))

        def consistency(i: int) -> None:
            path, old_root, _ = reader.consistency(olds[i], size)
            consistencies.append((olds[i], path, old_root))

        results["log_inclusion_proof"] = timed(inclusion, samples)
        results["log_consistency_proof"] = timed(consistency, samples)
        results["log_verify_inclusion"] = timed(
            lambda i: merkle.verify_inclusion(proofs[i][0], indexes[i], size, proofs[i][1], root), samples)
        results["log_verify_consistency"] = timed(
            lambda i: merkle.verify_consistency(consistencies[i][0], size, consistencies[i][1], consistencies[i][2],
                                                root), samples)
        facts = {"leaves": float(size), "build_s": build_s, "bytes_per_leaf": bytes_per_leaf,
                 "proof_hashes": float(len(proofs[0][1]))}
        return results, facts


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    args = parser.parse_args()
    results, facts = bench_log(args.leaves)
    print(json.dumps({"results": results, "facts": facts}, indent=2))
