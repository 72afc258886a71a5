"""A witness for the supervising department (司法行政部门): cosign the log's checkpoints, refuse a fork.

One run: fetch the log's latest checkpoint, check the log's signature, check it
is consistent with the last checkpoint this witness cosigned (a consistency
proof from the log, verified here), cosign it (C2SP tlog-cosignature/v1,
Ed25519), keep it as the new state, then hand the cosignature to the log, which
serves it beside the checkpoint. A checkpoint that shrinks the tree or whose
history differs from what was cosigned is refused and kept as evidence; the
state never moves backwards or sideways.

The state directory belongs to one log: ``checkpoint`` (the last cosigned
note, written atomically before the cosignature leaves) and ``refused/`` (the
checkpoints refused, with the reason). A state for another origin is refused.
"""
from __future__ import annotations

import base64
import fcntl
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..durable import write_atomically
from ..timefmt import file_stamp
from . import merkle
from .note import Checkpoint, Note, NoteError, SignerKey, VerifierKey, open_checkpoint

STATE = "checkpoint"


class WitnessRefused(Exception):
    """The log showed a history that contradicts what this witness cosigned: nothing was signed."""


class WitnessError(Exception):
    """The witness could not do its work (bad input, unreachable log, wrong state); nothing was signed."""


@dataclass(frozen=True)
class Outcome:
    size: int
    previous: int
    cosigned: bool  # False when the log had not grown since the last cosignature
    delivered: bool  # whether the log accepted the cosignature


def http_fetch(base: str) -> Callable[[str, bytes | None], bytes]:
    """GET (or POST ``data`` to) ``base`` + path; the log's own error text on failure."""

    def fetch(path: str, data: bytes | None = None) -> bytes:
        request = urllib.request.Request(base.rstrip("/") + "/" + path.lstrip("/"), data=data,
                                         headers={"Content-Type": "text/plain; charset=utf-8"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise WitnessError(f"日志对 {path} 答复 {exc.code}：{exc.read()[:500].decode('utf-8', 'replace')}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise WitnessError(f"无法连接日志 {base}：{exc}") from None

    return fetch


class Witness:
    def __init__(self, state_dir: Path, key: SignerKey, log_key: VerifierKey,
                 fetch: Callable[[str, bytes | None], bytes]) -> None:
        self.state_dir = Path(state_dir)
        self.key = key
        self.log_key = log_key
        self.fetch = fetch

    def state(self) -> Checkpoint | None:
        """The last cosigned checkpoint, checked again (its log signature, its origin)."""
        path = self.state_dir / STATE
        if not path.exists():
            return None
        try:
            note = Note.parse(path.read_bytes())
            found = Checkpoint.parse_text(note.text)
        except NoteError as exc:
            raise WitnessError(f"见证状态 {path} 已损坏：{exc}") from None
        if found.origin != self.log_key.name:
            raise WitnessError(f"见证状态 {path} 属于日志 {found.origin!r}，不是 {self.log_key.name!r}：拒绝混用")
        try:
            open_checkpoint(path.read_bytes(), self.log_key)
        except NoteError as exc:
            raise WitnessError(f"见证状态 {path} 上日志的签名不成立：{exc}") from None
        return found

    def refuse(self, note_text: bytes, reason: str) -> WitnessRefused:
        """Keep the refused checkpoint as evidence of the log's misbehaviour."""
        stamp = file_stamp()
        folder = self.state_dir / "refused"
        write_atomically(folder / f"{stamp}.checkpoint", note_text)
        write_atomically(folder / f"{stamp}.reason.txt", reason.encode("utf-8"))
        return WitnessRefused(reason)

    def run(self) -> Outcome:
        """One round; the check against the state and its update are atomic (a lock on the directory),
        so two runs can never both cosign from the same old state."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / ".lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            return self._run()

    def _run(self) -> Outcome:
        previous = self.state()
        data = self.fetch("log/checkpoint", None)
        try:
            opened = open_checkpoint(data, self.log_key)
        except NoteError as exc:
            raise WitnessError(f"日志给出的检查点无效：{exc}") from None
        new = opened.checkpoint
        if previous is not None:
            if new.size < previous.size:
                raise self.refuse(data, f"检查点的树（{new.size}）比已联署的（{previous.size}）小：日志缩短了历史")
            if new.size == previous.size:
                if new.root != previous.root:
                    raise self.refuse(data, f"大小同为 {new.size} 的两个检查点根哈希不同：日志改写了历史（分叉）")
                return Outcome(new.size, previous.size, False, False)
            proof = self.consistency(previous.size, new.size)
            try:
                merkle.verify_consistency(previous.size, new.size, proof, previous.root, new.root)
            except merkle.ProofError as exc:
                raise self.refuse(data, f"新检查点与已联署的大小 {previous.size} 的检查点不一致：{exc}") from None
        signed = opened.note.with_signatures([self.key.sign(opened.note.text)])
        write_atomically(self.state_dir / STATE, signed.to_text().encode("utf-8"))  # before it leaves
        delivered = True
        try:
            self.fetch("log/cosignature", signed.to_text().encode("utf-8"))
        except WitnessError:
            delivered = False
        return Outcome(new.size, previous.size if previous else 0, True, delivered)

    def consistency(self, first: int, second: int) -> list[bytes]:
        raw = self.fetch(f"v1/log/proof/consistency?{urllib.parse.urlencode({'from': first, 'to': second})}", None)
        try:
            body = json.loads(raw)
            return [base64.b64decode(h, validate=True) for h in body["hashes"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise WitnessError(f"日志给出的一致性证明格式不对：{exc}") from None
