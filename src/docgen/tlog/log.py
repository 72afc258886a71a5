"""The transparency log in docgen's database: leaves appended in the issuing transaction, checkpoints,
cosignatures, proofs and tiles.

Tables (``storage.MIGRATIONS`` step 3): ``tlog_entries`` (index → the leaf's
canonical JSON), ``tlog_nodes`` (every complete subtree's hash: level, index →
hex; about two rows per leaf), ``tlog_head`` (the size, one row),
``tlog_checkpoints`` and ``tlog_cosignatures``. An append costs one UPDATE, two
INSERTs and on average one node lookup and one more INSERT; a proof at any size
is O(log n) primary-key reads. Nothing here commits: ``append`` runs inside the
caller's transaction, so a file that got its row has its leaf and vice versa.
"""
from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from ..errors import BadRequest, Conflict, DocgenError, Forbidden, NotFound, ValidationFailed, Issue
from ..jsontext import canonical_json
from ..database import Connection, Database, Row
from ..timefmt import record_now
from . import merkle, tiles
from .note import Checkpoint, Note, NoteError, SignerKey, VerifierKey

FORMAT = "docgen-log/1"
DOCUMENT, STAGE, VOLUME, PUBLIC = "document", "stage", "volume", "public"  # stage 0 of a document is its issuance


class LogCorrupt(DocgenError):
    """The log's own tables contradict each other (a node or entry missing): found by audits."""

    status = 500
    type = "log-corrupt"
    title = "透明日志数据不一致"


@dataclass(frozen=True)
class Leaf:
    """What the log records of one issued file; its canonical JSON is the RFC 9162 leaf data."""

    kind: str
    """``document`` (a document's issued PDF, stage 0), ``stage`` (a later signature stage), ``volume``,
    ``public`` (a public rendition, 公示文本)."""
    document_id: str
    """The document's id; for a volume, the case's id."""
    sha256: str
    """The issued file's SHA-256, hex."""
    signer_certificate_sha256: str
    """The certificate that signed the file."""
    time: str
    """When it was signed (the link's time for stages, RFC 3339 UTC)."""
    number: int
    """The stage index, the volume number, or the public rendition's revision."""

    def entry(self) -> bytes:
        return canonical_json({"format": FORMAT, **self.__dict__})

    @classmethod
    def parse(cls, entry: bytes) -> "Leaf":
        try:
            raw = json.loads(entry)
            if raw.pop("format") != FORMAT:
                raise ValueError("format")
            leaf = cls(**raw)
        except (ValueError, TypeError, KeyError) as exc:
            raise LogCorrupt(f"日志条目不是 {FORMAT}：{exc}") from None
        if leaf.entry() != entry:
            raise LogCorrupt("日志条目不是规范 JSON")
        return leaf


@dataclass(frozen=True)
class Inclusion:
    index: int
    size: int
    entry: bytes
    path: list[bytes]
    root: bytes


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@dataclass
class Log:
    """One installation's log; ``key`` signs checkpoints, ``witnesses`` may add cosignatures."""

    db: Database
    origin: str
    key: SignerKey = field(repr=False)
    witnesses: Sequence[VerifierKey] = ()
    _publishing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def vkey(self) -> VerifierKey:
        return self.key.verifier()

    @staticmethod
    def signed_origin(db: Database) -> str | None:
        """The origin of the latest checkpoint already signed: a log keeps its name for life, so commands
        run without ``DOCGEN_LOG_ORIGIN`` (export, audit) still speak of the same log."""
        row = db.query_one("SELECT note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        return Checkpoint.parse_text(Note.parse(row[0]).text).origin if row else None

    # -- appending (inside the issuing transaction)

    def append(self, conn: Connection, leaf: Leaf) -> int:
        """Add ``leaf`` in the caller's transaction; its index.

        Appends are serialised by the UPDATE of ``tlog_head`` (SQLite: the writer lock that
        BEGIN IMMEDIATE took; PostgreSQL: that row's lock until commit), so two issuances never
        get the same index and the node table always describes a prefix of the entries.
        """
        conn.execute("UPDATE tlog_head SET size = size + 1 WHERE id = 1")
        index = int(conn.execute("SELECT size FROM tlog_head WHERE id = 1").fetchone()[0]) - 1
        conn.execute("INSERT INTO tlog_entries (idx, entry) VALUES (?, ?)", (index, leaf.entry().decode("utf-8")))
        for level, at, value in merkle.appended(self.nodes(conn), index, merkle.leaf_hash(leaf.entry())):
            conn.execute("INSERT INTO tlog_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, at, value.hex()))
        return index

    # -- reading

    def _rows(self, conn: Connection | None, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Inside the caller's transaction if it gives one, else a plain read (no lock)."""
        return conn.execute(sql, params).fetchall() if conn is not None else self.db.query(sql, params)

    def _one(self, conn: Connection | None, sql: str, *params: Any) -> Row | None:
        rows = self._rows(conn, sql, params)
        return rows[0] if rows else None

    def size(self, conn: Connection | None = None) -> int:
        return int(self._one(conn, "SELECT size FROM tlog_head WHERE id = 1")[0])

    def nodes(self, conn: Connection | None = None) -> merkle.NodeSource:
        def node(level: int, index: int) -> bytes:
            row = self._one(conn, "SELECT hash FROM tlog_nodes WHERE level = ? AND idx = ?", level, index)
            if row is None:
                raise LogCorrupt(f"日志缺少节点（第 {level} 层第 {index} 个）")
            return bytes.fromhex(row[0])

        return node

    def entry(self, index: int, conn: Connection | None = None) -> bytes:
        row = self._one(conn, "SELECT entry FROM tlog_entries WHERE idx = ?", index)
        if row is None:
            raise LogCorrupt(f"日志缺少条目 {index}")
        return row[0].encode("utf-8")

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
        sql = "SELECT idx, entry FROM tlog_entries WHERE idx >= ?" + (" AND idx < ?" if end is not None else "")
        params = (start,) if end is None else (start, end)
        for index, entry in self.db.query(sql + " ORDER BY idx", params):
            yield index, entry.encode("utf-8")

    def _within(self, name: str, value: int, size: int, minimum: int = 0) -> None:
        if not minimum <= value <= size:
            raise ValidationFailed([Issue(f"/{name}", f"{name} 应在 {minimum} 到日志大小 {size} 之间，收到 {value}")])

    def inclusion(self, index: int, size: int | None = None) -> Inclusion:
        """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves (the current tree by default).

        A leaf or size beyond the tree is a 422 naming the parameter; nothing is changed.
        """
        current = self.size()  # plain reads: the log only grows, so a prefix read once stays true
        size = current if size is None else size
        self._within("size", size, current, 1)
        if not 0 <= index < size:
            raise ValidationFailed([Issue("/leaf", f"leaf 应小于 size（{size}），收到 {index}")])
        node = self.nodes()
        return Inclusion(index, size, self.entry(index), merkle.inclusion_path(node, index, size),
                         merkle.root(node, size))

    def consistency(self, first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
        """The consistency proof from size ``first`` to ``second``, with both roots."""
        current = self.size()
        self._within("to", second, current, 1)
        self._within("from", first, second, 1)
        node = self.nodes()
        return merkle.consistency_proof(node, first, second), merkle.root(node, first), merkle.root(node, second)

    def root(self, size: int, conn: Connection | None = None) -> bytes:
        return merkle.root(self.nodes(conn), size)

    # -- checkpoints

    def publish(self) -> str | None:
        """Sign a checkpoint of the current tree if it grew since the last one; the new note or None.

        Called every ``checkpoint_interval`` seconds by the server (``Publisher``), so a leaf is in a
        signed checkpoint within that time. A log never signs two different roots for one size.
        """
        with self._publishing, self.db.transaction() as conn:
            size = self.size(conn)
            last = conn.execute("SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1").fetchone()
            if last is not None:
                previous = Checkpoint.parse_text(Note.parse(last[1]).text)
                if previous.origin != self.origin:
                    raise Conflict(f"日志来源已是 {previous.origin!r}，不能改为 {self.origin!r}：那将是另一个日志")
                if last[0] >= size:
                    return None
            elif size == 0:
                return None
            text = Checkpoint(self.origin, size, self.root(size, conn)).text()
            signed = Note(text, (self.key.sign(text),)).to_text()
            conn.execute("INSERT INTO tlog_checkpoints (size, note, created_at) VALUES (?, ?, ?)",
                         (size, signed, record_now()))
            return signed

    def checkpoint(self, size: int | None = None, cosigned: bool = False) -> str:
        """The latest signed checkpoint (or the one of ``size``; or the latest one a witness cosigned),
        with every cosignature collected for it."""
        db = self.db
        if size is not None:
            row = db.query_one("SELECT size, note FROM tlog_checkpoints WHERE size = ?", size)
        elif cosigned:
            row = db.query_one("SELECT size, note FROM tlog_checkpoints WHERE size IN "
                               "(SELECT size FROM tlog_cosignatures) ORDER BY size DESC LIMIT 1")
        else:
            row = db.query_one("SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        if row is None:
            raise NotFound("日志还没有" + ("经见证的" if cosigned else "") + "检查点")
        lines = [r[0] for r in db.query("SELECT line FROM tlog_cosignatures WHERE size = ? ORDER BY witness",
                                         (row[0],))]
        return row[1] + "".join(lines)

    def cosign(self, data: bytes) -> int:
        """Store the cosignatures of a checkpoint this log signed; how many verified and were new.

        The body is the checkpoint with the witness's signature lines added. Only configured
        witnesses (``DOCGEN_LOG_WITNESSES``) count; a malformed note is 422, a checkpoint this log
        never signed 409, a signature of a configured witness that does not verify 403.
        """
        try:
            note = Note.parse(data)
            checkpoint = Checkpoint.parse_text(note.text)
        except NoteError as exc:
            raise BadRequest(f"联署的检查点格式不对：{exc}") from None
        row = self.db.query_one("SELECT note FROM tlog_checkpoints WHERE size = ?", checkpoint.size)
        if row is None or Note.parse(row[0]).text != note.text:
            raise Conflict(f"本日志没有签过大小为 {checkpoint.size} 的这个检查点")
        stored = 0
        known = False
        for signature in note.signatures:
            for witness in self.witnesses:
                if not witness.matches(signature):
                    continue
                known = True
                try:
                    timestamp = witness.verify(note.text, signature)
                except NoteError as exc:
                    raise Forbidden(str(exc)) from None
                with self.db.transaction() as tx:
                    cursor = tx.execute("INSERT INTO tlog_cosignatures (size, witness, line, timestamp) "
                                        "VALUES (?, ?, ?, ?) ON CONFLICT (size, witness) DO NOTHING",
                                        (checkpoint.size, witness.encode(), signature.line(), timestamp))
                    stored += cursor.rowcount
        if not known:
            raise Forbidden("没有本日志认可的见证方（DOCGEN_LOG_WITNESSES）的联署")
        return stored

    # -- tiles

    def tile(self, path: tiles.TilePath) -> bytes:
        """A tile or entry bundle, if the current tree has it (a partial tile: its first ``width`` hashes)."""
        size = self.size()
        first = path.index * tiles.WIDTH
        if path.level is None:
            if first + path.width > size:
                raise NotFound(f"日志（大小 {size}）还没有 {path}")
            rows = self.db.query("SELECT entry FROM tlog_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                                 (first, first + path.width))
            return tiles.bundle([r[0].encode("utf-8") for r in rows])
        if first + path.width > tiles.level_count(size, path.level):
            raise NotFound(f"日志（大小 {size}）还没有 {path}")
        rows = self.db.query("SELECT hash FROM tlog_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                             (tiles.HEIGHT * path.level, first, first + path.width))
        if len(rows) != path.width:
            raise LogCorrupt(f"日志缺少 {path} 的节点")
        return b"".join(bytes.fromhex(r[0]) for r in rows)


def parse_leaf_json(value: Mapping[str, Any]) -> Leaf:
    """A leaf as the proof API shows it (for clients that read JSON rather than the entry)."""
    return Leaf(**{k: value[k] for k in Leaf.__dataclass_fields__})


class Publisher:
    """Signs a checkpoint every ``interval`` seconds while leaves are being added (a daemon thread)."""

    def __init__(self, log: Log, interval: float) -> None:
        self.log = log
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.log.publish()  # leaves a crash left unpublished get their checkpoint at once
        self._thread = threading.Thread(target=self._run, name="docgen-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import logging

        while not self._stop.wait(self.interval):
            try:
                self.log.publish()
            except Exception:  # a failed round (disk full, locked) is retried next round, and logged
                logging.getLogger("docgen").exception("签署透明日志检查点失败，下一轮重试")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def backfill(log: Log, db: Database) -> int:
    """Give a leaf to every stored file issued before the log existed (rows whose ``log_index`` is
    NULL), in the order they were signed; how many. Run once at start, after the migration.
    A backfilled volume's leaf names no signer certificate (its row does not record one)."""
    pending: list[tuple[Leaf, str, tuple[Any, ...]]] = []
    for document_id, idx, pdf_sha256, link_json in db.query(
            "SELECT document_id, idx, pdf_sha256, link FROM stages WHERE log_index IS NULL"):
        link = json.loads(link_json)
        pending.append((Leaf(DOCUMENT if idx == 0 else STAGE, document_id, pdf_sha256, link["certificate_sha256"],
                             link["time"], idx),
                        "UPDATE stages SET log_index = ? WHERE document_id = ? AND idx = ? AND log_index IS NULL",
                        (document_id, idx)))
    for case_id, volume, sha256, built_at in db.query(
            "SELECT case_id, volume, sha256, built_at FROM case_volumes WHERE log_index IS NULL"):
        pending.append((Leaf(VOLUME, case_id, sha256, "", built_at, volume),
                        "UPDATE case_volumes SET log_index = ? WHERE case_id = ? AND volume = ? AND log_index IS NULL",
                        (case_id, volume)))
    done = 0
    for leaf, update, key in sorted(pending, key=lambda item: item[0].time):
        try:
            with db.transaction() as tx:
                index = log.append(tx, leaf)
                if tx.execute(update, (index, *key)).rowcount != 1:
                    raise _Taken  # another server starting beside this one gave it a leaf: roll this one back
        except _Taken:
            continue
        done += 1
    return done


class _Taken(Exception):
    """A row ``backfill`` meant to log already has its leaf."""
