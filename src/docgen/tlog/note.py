"""C2SP signed notes, checkpoints and cosignatures: their text formats, parsed strictly.

- ``signed-note`` (c2sp.org/signed-note@v1): text ending in a newline, a blank
  line, then signature lines ``— <key name> base64(key ID || signature)``; the
  key ID is ``SHA-256(name || 0x0A || type || public key)[:4]``; a verifier key
  (*vkey*) is ``name+hex(key ID)+base64(type || public key)``. The log signs with
  Ed25519 (type 0x01).
- ``tlog-checkpoint`` (c2sp.org/tlog-checkpoint@v1): the note text is the
  origin, the tree size in decimal, the base64 root hash, then optional
  extension lines (docgen writes none).
- ``tlog-cosignature`` (c2sp.org/tlog-cosignature@v1, Ed25519, type 0x04): the
  signature is ``u64 timestamp || ed25519 signature`` over ``cosignature/v1\\n
  time <T>\\n`` followed by the checkpoint text.

Private keys are written as Go's ``sumdb/note`` does
(``PRIVATE+KEY+name+hex(key ID)+base64(type || seed)``) so that keys can move
between docgen and other witnesses. Anything malformed is a ``NoteError``
naming what is wrong; nothing is guessed.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
TYPES = {ED25519: "Ed25519", COSIGNATURE_V1: "Ed25519 cosignature/v1"}
DASH = "\u2014 "
MAX_SIGNATURES = 100  # the signed-note spec asks verifiers to accept at least 16
MAX_NOTE_BYTES = 1 << 20
PRIVATE_PREFIX = "PRIVATE+KEY+"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, checkpoint, key or cosignature that is malformed or does not verify."""


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what} 不是标准 base64：{text[:40]!r}") from None


def check_name(name: str) -> str:
    """Key names (and origins) are non-empty, without Unicode spaces or '+'."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"密钥名称不合法（不能为空、不能含空白或 '+'）：{name!r}")
    return name


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([kind]) + public).digest()[:4]


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode('ascii')}\n"


@dataclass(frozen=True)
class Note:
    """A signed note: ``text`` (ending in a newline) and its signature lines, in order."""

    text: str
    signatures: tuple[Signature, ...]

    @classmethod
    def parse(cls, data: bytes | str) -> "Note":
        if isinstance(data, bytes):
            if len(data) > MAX_NOTE_BYTES:
                raise NoteError(f"签名文本超过 {MAX_NOTE_BYTES} 字节")
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise NoteError("签名文本不是有效的 UTF-8") from None
        if any(ord(c) < 0x20 and c != "\n" for c in data) or "\x7f" in data:
            raise NoteError("签名文本含有换行以外的控制字符")
        if not data.endswith("\n"):
            raise NoteError("签名文本应以换行结束")
        cut = data.rfind("\n\n")
        if cut < 0:
            raise NoteError("签名文本缺少正文与签名之间的空行")
        text, lines = data[:cut + 1], data[cut + 2:].split("\n")[:-1]
        if not lines:
            raise NoteError("签名文本没有签名行")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"签名行超过 {MAX_SIGNATURES} 个")
        signatures = []
        for number, line in enumerate(lines, start=1):
            if not line.startswith(DASH):
                raise NoteError(f"第 {number} 个签名行应以 “— ” 开头")
            parts = line[len(DASH):].split(" ")
            if len(parts) != 2:
                raise NoteError(f"第 {number} 个签名行应为 “— 名称 签名”")
            raw = _b64(parts[1], f"第 {number} 个签名")
            if len(raw) < 5:
                raise NoteError(f"第 {number} 个签名太短")
            signatures.append(Signature(check_name(parts[0]), raw[:4], raw[4:]))
        return cls(text, tuple(signatures))

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: Iterable[Signature]) -> "Note":
        """This note with ``extra`` signature lines appended (a line already present is not repeated)."""
        lines = list(self.signatures)
        for signature in extra:
            if signature not in lines:
                lines.append(signature)
        return Note(self.text, tuple(lines))


@dataclass(frozen=True)
class VerifierKey:
    """A public key as a vkey: who signs (``name``), how (``kind``) and with what (``public``)."""

    name: str
    kind: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        parts = text.strip().split("+", 2)  # base64 may itself contain "+"
        if len(parts) != 3:
            raise NoteError(f"验证公钥应为 名称+密钥号+公钥：{text[:60]!r}")
        name, hex_id, material = parts
        check_name(name)
        raw = _b64(material, "验证公钥")
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise NoteError(f"验证公钥的密钥号应为 8 位小写十六进制：{hex_id!r}")
        if len(raw) != 33 or raw[0] not in TYPES:
            raise NoteError("验证公钥应为 Ed25519（类型 0x01）或 Ed25519 联署（类型 0x04）的 32 字节公钥")
        key = cls(name, raw[0], raw[1:])
        if key.key_id.hex() != hex_id:
            raise NoteError(f"验证公钥 {name} 的密钥号与公钥不符")
        return key

    def encode(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([self.kind]) + self.public).decode()}"

    def matches(self, signature: Signature) -> bool:
        return signature.name == self.name and signature.key_id == self.key_id

    def verify(self, text: str, signature: Signature) -> int | None:
        """Check ``signature`` over ``text``; the cosignature's timestamp (0 for a log signature).

        ``NoteError`` if it is this key's signature and does not verify; the caller first
        checks ``matches`` (signatures of other keys are ignored, as the spec requires).
        """
        public = Ed25519PublicKey.from_public_bytes(self.public)
        timestamp = 0
        message = text.encode("utf-8")
        signed = signature.signature
        if self.kind == COSIGNATURE_V1:
            if len(signed) != 8 + 64:
                raise NoteError(f"{self.name} 的联署长度应为 72 字节（时间 + Ed25519 签名）")
            timestamp = struct.unpack(">Q", signed[:8])[0]
            if timestamp >= 1 << 63:
                raise NoteError(f"{self.name} 的联署时间超出范围")
            message = cosigned_message(text, timestamp)
            signed = signed[8:]
        try:
            public.verify(signed, message)
        except InvalidSignature:
            raise NoteError(f"{self.name} 的签名不成立：签名文本被改动，或签名不是这把密钥所签") from None
        return timestamp


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What an Ed25519 cosignature signs (tlog-cosignature §"Ed25519 signed message")."""
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + text.encode("utf-8")


@dataclass(frozen=True)
class SignerKey:
    """A private Ed25519 key with its name and signature type (0x01 log, 0x04 cosigner)."""

    name: str
    kind: int
    private: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls, name: str, kind: int) -> "SignerKey":
        return cls(check_name(name), kind, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, kind: int, seed: bytes) -> "SignerKey":
        return cls(check_name(name), kind, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def parse(cls, text: str) -> "SignerKey":
        text = text.strip()
        if not text.startswith(PRIVATE_PREFIX):
            raise NoteError(f"私钥应以 {PRIVATE_PREFIX} 开头")
        parts = text[len(PRIVATE_PREFIX):].split("+", 2)
        if len(parts) != 3:
            raise NoteError("私钥应为 PRIVATE+KEY+名称+密钥号+私钥")
        name, hex_id, material = parts
        raw = _b64(material, "私钥")
        if len(raw) != 33 or raw[0] not in TYPES:
            raise NoteError("私钥应为类型 0x01 或 0x04 的 32 字节 Ed25519 种子")
        key = cls.from_seed(name, raw[0], raw[1:])
        if key.verifier().key_id.hex() != hex_id:
            raise NoteError(f"私钥 {name} 的密钥号与密钥不符")
        return key

    def encode(self) -> str:
        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return (f"{PRIVATE_PREFIX}{self.name}+{self.verifier().key_id.hex()}+"
                f"{base64.b64encode(bytes([self.kind]) + seed).decode()}")

    def verifier(self) -> VerifierKey:
        public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, self.kind, public)

    def sign(self, text: str, timestamp: int | None = None) -> Signature:
        """A note signature (0x01), or a timestamped cosignature (0x04) at ``timestamp`` (now by default)."""
        vkey = self.verifier()
        if self.kind == COSIGNATURE_V1:
            moment = int(time.time()) if timestamp is None else timestamp
            raw = struct.pack(">Q", moment) + self.private.sign(cosigned_message(text, moment))
        else:
            raw = self.private.sign(text.encode("utf-8"))
        return Signature(self.name, vkey.key_id, raw)


@dataclass(frozen=True)
class Checkpoint:
    """The body of a tlog-checkpoint: origin, tree size, root hash (extension lines kept as given)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @classmethod
    def parse_text(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if lines[-1] != "" or len(lines) < 4:
            raise NoteError("检查点正文应至少有三行：来源、树的大小、根哈希")
        origin, size, root, *extensions = lines[:-1]
        if not origin:
            raise NoteError("检查点的来源行为空")
        if not _DECIMAL.fullmatch(size) or int(size) >= 1 << 63:
            raise NoteError(f"检查点的树大小应为不带前导零的十进制数：{size!r}")
        digest = _b64(root, "检查点的根哈希")
        if len(digest) != 32:
            raise NoteError("检查点的根哈希应为 32 字节")
        if any(not line for line in extensions):
            raise NoteError("检查点的扩展行不能为空")
        return cls(origin, int(size), digest, tuple(extensions))

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Opened:
    """A checkpoint whose log signature verified, with the witnesses whose cosignatures verified."""

    checkpoint: Checkpoint
    note: Note
    cosigned: tuple[tuple[VerifierKey, int], ...]  # (witness key, timestamp)


def open_checkpoint(data: bytes | str, log_key: VerifierKey, witnesses: Sequence[VerifierKey] = (),
                    origin: str | None = None) -> Opened:
    """Parse a signed checkpoint and verify it: the log's signature is required, every signature of a
    known witness must verify (a bad one rejects the whole note), unknown signatures are ignored."""
    note = Note.parse(data)
    checkpoint = Checkpoint.parse_text(note.text)
    expected = origin or log_key.name
    if checkpoint.origin != expected:
        raise NoteError(f"检查点来自 {checkpoint.origin!r}，不是 {expected!r}")
    logged = False
    cosigned: list[tuple[VerifierKey, int]] = []
    for signature in note.signatures:
        if log_key.matches(signature):
            log_key.verify(note.text, signature)
            logged = True
        for witness in witnesses:
            if witness.matches(signature):
                cosigned.append((witness, witness.verify(note.text, signature)))
    if not logged:
        raise NoteError(f"检查点没有日志密钥 {log_key.name}（{log_key.key_id.hex()}）的签名")
    unique = {w.encode(): (w, t) for w, t in cosigned}
    return Opened(checkpoint, note, tuple(unique.values()))
