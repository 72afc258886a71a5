"""Offline: are these files in the log at this checkpoint? For ``docgen verify --checkpoint``.

An archive holds the issued files, the trust bundle (with the log's key) and a
checkpoint cosigned by the supervising department's witness, plus a copy of the
log's tiles (``docgen log export``, or any mirror of ``/log/``). For each file
its SHA-256 is looked up among the entries the checkpoint covers, and the
inclusion proof computed from the tiles is verified against the checkpoint's
root. A file issued after the checkpoint, or removed from the log by a
rewritten history, is reported as not included; a copy of the tiles that was
tampered with can only make a file look absent, never present.
"""
from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from . import merkle
from .log import Leaf, LogCorrupt, b64
from .note import Note, NoteError, VerifierKey, Checkpoint, open_checkpoint
from .tiles import TileError, TileNodes


@dataclass(frozen=True)
class FileInLog:
    name: str
    sha256: str
    index: int | None
    leaf: Leaf | None
    included: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.name, "sha256": self.sha256, "index": self.index, "included": self.included,
                "leaf": dict(self.leaf.__dict__) if self.leaf else None, "reason": self.reason}


@dataclass(frozen=True)
class LogReport:
    origin: str
    size: int
    root: str
    witnesses: tuple[tuple[str, int], ...]
    missing_witnesses: tuple[str, ...]
    files: tuple[FileInLog, ...]

    @property
    def ok(self) -> bool:
        return not self.missing_witnesses and all(f.included for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "origin": self.origin, "size": self.size, "root": self.root,
                "witnesses": [{"name": n, "timestamp": t} for n, t in self.witnesses],
                "missing_witnesses": list(self.missing_witnesses), "files": [f.to_dict() for f in self.files]}

    def describe(self) -> str:
        lines = [f"透明日志：{self.origin}，检查点大小 {self.size}，"
                 + (f"经 {len(self.witnesses)} 个见证方联署（{'、'.join(n for n, _ in self.witnesses)}）"
                    if self.witnesses else "没有见证方联署")]
        for name in self.missing_witnesses:
            lines.append(f"  ✗ 要求的见证方 {name} 没有联署这个检查点")
        for f in self.files:
            mark = "✓" if f.included else "✗"
            where = f"叶子 {f.index}" if f.index is not None else "无叶子"
            lines.append(f"  {mark} {f.name}：{where}，{f.reason}")
        lines.append("结论：" + ("全部文件都在日志中" if self.ok else "有文件不在日志中，或检查点未按要求见证"))
        return "\n".join(lines)


def source(location: str) -> Callable[[str], bytes]:
    """Tiles from a directory (an export or a mirror of ``/log/``) or from a log URL (``…/log``)."""
    if location.startswith(("http://", "https://")):
        def fetch_url(path: str) -> bytes:
            try:
                with urllib.request.urlopen(location.rstrip("/") + "/" + path, timeout=30) as response:
                    return response.read()
            except (urllib.error.URLError, OSError) as exc:
                raise TileError(f"无法取得 {path}：{exc}") from None
        return fetch_url
    root = Path(location)

    def fetch_file(path: str) -> bytes:
        try:
            return (root / path).read_bytes()
        except OSError:
            raise TileError(f"日志副本 {root} 中没有 {path}") from None
    return fetch_file


def check(files: Sequence[tuple[str, bytes]], checkpoint_data: bytes, log_keys: Sequence[VerifierKey],
          witnesses: Sequence[VerifierKey], fetch: Callable[[str], bytes]) -> LogReport:
    """See the module docstring. ``NoteError`` for a checkpoint that is malformed or not the log's;
    ``TileError`` for a copy of the log that lacks what the checkpoint needs."""
    origin = Checkpoint.parse_text(Note.parse(checkpoint_data).text).origin
    key = next((k for k in log_keys if k.name == origin), None)
    if key is None:
        raise NoteError(f"信任包中没有日志 {origin!r} 的公钥")
    opened = open_checkpoint(checkpoint_data, key, witnesses)
    checkpoint = opened.checkpoint
    seen = {w.encode() for w, _ in opened.cosigned}
    missing = tuple(w.name for w in witnesses if w.encode() not in seen)
    nodes = TileNodes(fetch, checkpoint.size)
    wanted = {hashlib.sha256(data).hexdigest() for _, data in files}
    found: dict[str, tuple[int, bytes, Leaf]] = {}
    for index, entry in nodes.entries():
        try:
            leaf = Leaf.parse(entry)
        except LogCorrupt:
            continue
        if leaf.sha256 in wanted and leaf.sha256 not in found:
            found[leaf.sha256] = (index, entry, leaf)
    results = []
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        if digest not in found:
            results.append(FileInLog(name, digest, None, None, False,
                                     f"不在检查点（大小 {checkpoint.size}）覆盖的日志中：检查点之后签发，或已从日志中被删改"))
            continue
        index, entry, leaf = found[digest]
        try:
            path = merkle.inclusion_path(nodes, index, checkpoint.size)
            merkle.verify_inclusion(merkle.leaf_hash(entry), index, checkpoint.size, path, checkpoint.root)
        except (merkle.ProofError, TileError) as exc:
            results.append(FileInLog(name, digest, index, leaf, False, f"包含证明不成立：{exc}"))
            continue
        results.append(FileInLog(name, digest, index, leaf, True,
                                 f"{leaf.kind} {leaf.document_id} #{leaf.number}，{leaf.time}，包含证明成立"))
    return LogReport(origin, checkpoint.size, b64(checkpoint.root),
                     tuple((w.name, t) for w, t in opened.cosigned), missing, tuple(results))

