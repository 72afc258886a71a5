"""Audio-visual records (音像记录) of a case: streamed to the blob store, hashed as they stream.

A video can be gigabytes, so the multipart body is parsed as it arrives
(``python_multipart``'s streaming parser, fed from the ASGI stream): the file
part goes chunk by chunk into a temp file under the blob store's ``tmp`` while
a sha256 runs over it; only the small metadata fields are kept in memory (each
capped). When the body ends the file is fsynced and renamed to its hash — the
same content-addressed store as every PDF — and only then is the row written.
A body over the limit (``http.limits``), a refused type or missing metadata
deletes the temp file: nothing is stored.

The type is read from the first bytes (``sniff``), never from the name or the
part's Content-Type: a renamed PDF is not a photo.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import BadRequest, Issue, UnsupportedMediaType, ValidationFailed
from ..storage import BlobStore, DatabaseBlobStore

PHOTO, AUDIO, VIDEO = "photo", "audio", "video"
KIND_LABELS = {PHOTO: "照片", AUDIO: "录音", VIDEO: "录像"}
#: The metadata the seed asks for with each record (记录内容、时间、地点、执法人员、记录人员、拟证明目的) and the device.
FIELDS = {"content": "记录内容", "recorded_at": "记录时间", "place": "地点", "officers": "执法人员",
          "recorder": "记录人员", "purpose": "拟证明目的", "device": "设备"}
OPTIONAL = {"transcript": "文字整理（录音、录像）"}
FIELD_LIMIT = 20_000  # characters of one metadata field; bytes of a field part are capped at four times that
_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2})(:[0-9]{2})?")
_SNIFF = 64


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, media type) from a file's first bytes, or None if it is no photo, audio or video docgen knows."""
    if head.startswith(b"\xff\xd8\xff"):
        return PHOTO, "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PHOTO, "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return PHOTO, "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return AUDIO, "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return VIDEO, "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return PHOTO, "image/heic"
        if brand in (b"M4A ", b"M4B "):
            return AUDIO, "audio/mp4"
        if brand == b"qt  ":
            return VIDEO, "video/quicktime"
        if brand.startswith(b"3g"):
            return VIDEO, "video/3gpp"
        return VIDEO, "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return VIDEO, "video/webm"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and head[1] & 0x06 != 0):
        return AUDIO, "audio/mpeg"
    if head.startswith(b"#!AMR"):
        return AUDIO, "audio/amr"
    if head.startswith(b"OggS"):
        return AUDIO, "audio/ogg"
    if head.startswith(b"fLaC"):
        return AUDIO, "audio/flac"
    return None


@dataclass(frozen=True)
class Staged:
    """An uploaded file written under the blob store's tmp, with its hash; not yet stored."""

    path: Path
    sha256: str
    size: int
    head: bytes
    filename: str


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    value: bytearray = field(default_factory=bytearray)


class MediaReceiver:
    """Parses one multipart body as it streams: the ``file`` part to a temp file, the rest as fields."""

    def __init__(self, blobs: BlobStore | DatabaseBlobStore, content_type: str | None) -> None:
        kind, options = parse_options_header(content_type or "")
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise UnsupportedMediaType("请求体应为 multipart/form-data（字段 file 为照片、录音或录像文件）")
        self.blobs = blobs
        self.fields: dict[str, str] = {}
        self.staged: Staged | None = None
        self._part = _Part()
        self._header = [bytearray(), bytearray()]
        self._headers: dict[str, bytes] = {}
        self._file: Any = None
        self._tmp: Path | None = None
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = bytearray()
        self._error: Exception | None = None
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._field, "on_header_value": self._value,
            "on_header_end": self._header_end, "on_headers_finished": self._headers_done,
            "on_part_data": self._data, "on_part_end": self._end})

    async def receive(self, chunks: AsyncIterator[bytes]) -> None:
        """Feed the body through the parser; on any failure the temp file is gone."""
        try:
            async for chunk in chunks:
                self.parser.write(chunk)
                if self._error:
                    raise self._error
            self.parser.finalize()
            if self._file is not None:
                raise BadRequest("请求体在文件中途结束")
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        for path in (self._tmp, self.staged.path if self.staged else None):
            if path is not None:
                path.unlink(missing_ok=True)
        self.staged = None

    # parser callbacks ------------------------------------------------------------------------

    def _begin(self) -> None:
        self._part, self._headers = _Part(), {}

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header[0] += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self._header[1] += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header[0]).decode("latin-1").lower()] = bytes(self._header[1])
        self._header = [bytearray(), bytearray()]

    def _headers_done(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._part = _Part(name, filename.decode("utf-8", "replace") if filename is not None else None)
        if self._part.filename is not None:
            if name != "file" or self.staged is not None or self._file is not None:
                self._error = BadRequest("只能上传一个文件，字段名为 file")
                return
            self._tmp = self.blobs.tmp / f"media-{secrets.token_hex(8)}.tmp"
            self._file = open(self._tmp, "xb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            self._file.write(chunk)
            self._hash.update(chunk)
            self._size += len(chunk)
            if len(self._head) < _SNIFF:
                self._head += chunk[:_SNIFF - len(self._head)]
        elif self._part.filename is None:
            self._part.value += chunk
            if len(self._part.value) > FIELD_LIMIT * 4:
                self._error = ValidationFailed([Issue(f"/{self._part.name}", f"字段 {self._part.name} 过长")])

    def _end(self) -> None:
        if self._file is not None and self._tmp is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            self.staged = Staged(self._tmp, self._hash.hexdigest(), self._size, bytes(self._head),
                                 self._part.filename or "")
            self._tmp = None
        elif self._part.filename is None and self._part.name:
            try:
                self.fields[self._part.name] = self._part.value.decode("utf-8")
            except UnicodeDecodeError:
                self._error = ValidationFailed([Issue(f"/{self._part.name}", f"字段 {self._part.name} 不是 UTF-8 文本")])


def metadata(fields: dict[str, str]) -> dict[str, str]:
    """The record's metadata, checked: every field of ``FIELDS`` given, 记录时间 a real time."""
    issues = []
    for key in sorted(set(fields) - set(FIELDS) - set(OPTIONAL)):
        issues.append(Issue(f"/{key}", f"{key} 是不允许的字段"))
    values: dict[str, str] = {}
    for key, title in {**FIELDS, **OPTIONAL}.items():
        value = fields.get(key, "").strip()
        if not value:
            if key in FIELDS:
                issues.append(Issue(f"/{key}", f"{title}（/{key}）为必填项"))
            continue
        if len(value) > FIELD_LIMIT:
            issues.append(Issue(f"/{key}", f"{title}（/{key}）不能超过 {FIELD_LIMIT} 个字符"))
            continue
        values[key] = value
    when = values.get("recorded_at")
    if when is not None:
        match = _TIME.fullmatch(when)
        try:
            if match is None:
                raise ValueError
            datetime.fromisoformat(f"{match[1]}T{match[2]}{match[3] or ''}")
        except ValueError:
            issues.append(Issue("/recorded_at", "记录时间（/recorded_at）应为 YYYY-MM-DD HH:MM 格式的有效时间"))
    if issues:
        raise ValidationFailed(issues)
    return values


def adopt(blobs: BlobStore | DatabaseBlobStore, staged: Staged) -> str:
    """Move a staged file to its content address (a no-op if those bytes are stored already)."""
    return blobs.adopt(staged.path, staged.sha256)
