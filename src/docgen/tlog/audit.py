"""``docgen audit``: walk the log and storage both ways and report every disagreement.

From the log: every entry is read and hashed again, the tree rebuilt from the
leaves is compared with the node table and with the latest signed checkpoint,
and every leaf's file is looked up (its row, its bytes on disk, their SHA-256).
From storage: every stage PDF and volume must have a leaf naming exactly it.
Findings are facts, each with a code, the leaf and the subject; the command
exits non-zero if there is any. Read-only: an audit never repairs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Iterator

from ..errors import NotFound
from ..storage import Storage
from . import merkle
from .log import DOCUMENT, PUBLIC, STAGE, VOLUME, Leaf, Log, LogCorrupt
from .note import NoteError, open_checkpoint


@dataclass(frozen=True)
class Finding:
    code: str
    """``file-missing`` (row or bytes gone: a deleted document), ``file-replaced`` (the row names other
    bytes than the leaf), ``file-differs`` (the bytes on disk are not the leaf's), ``no-leaf`` (a stored
    file the log does not know), ``duplicate-leaf`` (two leaves for one file slot: a re-issue),
    ``entry-malformed``, ``tree-mismatch`` (nodes or checkpoint disagree with the entries),
    ``checkpoint-invalid``."""
    index: int | None
    subject: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AuditReport:
    size: int
    checkpoint_size: int | None
    files_checked: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "size": self.size, "checkpoint_size": self.checkpoint_size,
                "files_checked": self.files_checked, "findings": [f.to_dict() for f in self.findings]}

    def describe(self) -> str:
        lines = [f"透明日志审计：{self.size} 个叶子，最新检查点大小 {self.checkpoint_size}，核对文件 {self.files_checked} 个"]
        lines += [f"  ✗ [{f.code}] 叶子 {f.index}，{f.subject}：{f.detail}" for f in self.findings]
        lines.append("结论：" + ("日志与存储一致" if self.ok else f"发现 {len(self.findings)} 处不一致"))
        return "\n".join(lines)


def audit(log: Log, storage: Storage) -> AuditReport:
    findings: list[Finding] = []
    size = log.size()
    leaves: dict[tuple[str, str, int], int] = {}
    hashes: list[bytes] = []
    checked = 0
    expected = 0
    for index, entry in log.entries():
        if index != expected:
            findings.append(Finding("entry-malformed", expected, "日志", f"条目 {expected} 到 {index - 1} 缺失"))
        expected = index + 1
        hashes.append(merkle.leaf_hash(entry))
        try:
            leaf = Leaf.parse(entry)
        except LogCorrupt as exc:
            findings.append(Finding("entry-malformed", index, "日志", exc.detail))
            continue
        slot = (leaf.kind if leaf.kind in (VOLUME, PUBLIC) else STAGE, leaf.document_id, leaf.number)
        if slot in leaves:
            findings.append(Finding("duplicate-leaf", index, subject(leaf),
                                    f"同一文件位置已有叶子 {leaves[slot]}：文件被重新签发替换"))
        leaves[slot] = index
        findings.extend(_check_file(storage, index, leaf))
        checked += 1
    if expected != size:
        findings.append(Finding("entry-malformed", expected, "日志", f"日志大小为 {size}，条目只有 {expected} 个"))
    findings.extend(_check_tree(log, hashes, size))
    cp_size, cp_findings = _check_checkpoint(log, hashes)
    findings.extend(cp_findings)
    findings.extend(_unlogged(storage, leaves))
    return AuditReport(size, cp_size, checked, tuple(findings))


def subject(leaf: Leaf) -> str:
    if leaf.kind == VOLUME:
        return f"案件 {leaf.document_id} 第 {leaf.number} 卷"
    if leaf.kind == PUBLIC:
        return f"文书 {leaf.document_id} 公示文本第 {leaf.number} 版"
    return f"文书 {leaf.document_id} 环节 {leaf.number}"


def _check_file(storage: Storage, index: int, leaf: Leaf) -> Iterator[Finding]:
    db = storage.db
    if leaf.kind in (DOCUMENT, STAGE):
        row = db.query_one("SELECT pdf_sha256, log_index FROM stages WHERE document_id = ? AND idx = ?",
                           leaf.document_id, leaf.number)
    elif leaf.kind == VOLUME:
        row = db.query_one("SELECT sha256, log_index FROM case_volumes WHERE case_id = ? AND volume = ?",
                           leaf.document_id, leaf.number)
    elif leaf.kind == PUBLIC:
        row = db.query_one("SELECT pdf_sha256, log_index FROM public_renditions WHERE document_id = ? AND revision = ?",
                           leaf.document_id, leaf.number)
    else:  # a kind this version does not know: checked by its bytes alone
        row = (leaf.sha256, index)
    if row is None:
        yield Finding("file-missing", index, subject(leaf), "日志中有这个文件，存储中已没有它的记录：文书被删除")
        return
    if row[0] != leaf.sha256:
        yield Finding("file-replaced", index, subject(leaf),
                      f"日志记录的文件 sha256 为 {leaf.sha256}，存储记录的却是 {row[0]}：文件被替换")
    try:
        data = storage.blobs.get(leaf.sha256)  # either blob store (a directory or the database)
    except NotFound:
        yield Finding("file-missing", index, subject(leaf), f"文件 {leaf.sha256} 的内容已不在存储中")
        return
    actual = hashlib.sha256(data).hexdigest()
    if actual != leaf.sha256:
        yield Finding("file-differs", index, subject(leaf), f"存储中的内容 sha256 为 {actual}，不是日志记录的 {leaf.sha256}")


def _check_tree(log: Log, hashes: list[bytes], size: int) -> Iterator[Finding]:
    if len(hashes) != size:
        return
    rebuilt = merkle.tree_root(hashes)
    try:
        stored = log.root(size)
    except LogCorrupt as exc:
        yield Finding("tree-mismatch", None, "日志", exc.detail)
        return
    if stored != rebuilt:
        yield Finding("tree-mismatch", None, "日志", "由条目重算的根哈希与节点表不符：节点被改动")


def _check_checkpoint(log: Log, hashes: list[bytes]) -> tuple[int | None, list[Finding]]:
    try:
        data = log.checkpoint()
    except NotFound:  # no checkpoint yet (an empty or brand-new log)
        return None, []
    try:
        opened = open_checkpoint(data, log.vkey)
    except NoteError as exc:
        return None, [Finding("checkpoint-invalid", None, "检查点", str(exc))]
    size = opened.checkpoint.size
    if size > len(hashes):
        return size, [Finding("tree-mismatch", None, "检查点", f"检查点大小 {size} 超过日志中的条目数 {len(hashes)}：条目被删除")]
    if merkle.tree_root(hashes[:size]) != opened.checkpoint.root:
        return size, [Finding("tree-mismatch", None, "检查点", "由条目重算的根哈希与最新检查点不符：历史被改写")]
    return size, []


def _unlogged(storage: Storage, leaves: dict[tuple[str, str, int], int]) -> Iterator[Finding]:
    db = storage.db
    for document_id, idx, log_index in db.query("SELECT document_id, idx, log_index FROM stages"):
        if leaves.get((STAGE, document_id, idx)) is None:
            yield Finding("no-leaf", log_index, f"文书 {document_id} 环节 {idx}", "存储中的文件在日志中没有叶子")
    for case_id, volume, log_index in db.query("SELECT case_id, volume, log_index FROM case_volumes"):
        if leaves.get((VOLUME, case_id, volume)) is None:
            yield Finding("no-leaf", log_index, f"案件 {case_id} 第 {volume} 卷", "存储中的文件在日志中没有叶子")
    for document_id, revision, log_index in db.query(
            "SELECT document_id, revision, log_index FROM public_renditions"):
        if leaves.get((PUBLIC, document_id, revision)) is None:
            yield Finding("no-leaf", log_index, f"文书 {document_id} 公示文本第 {revision} 版", "存储中的文件在日志中没有叶子")
